/*
 * settings.c - communication settings (S1-S3, S6, X5, X6) and their checks.
 *
 * The single-field checks take (pointer, length) because SNMP OCTET STRINGs
 * are not NUL-terminated; an embedded NUL is an invalid character. The agent
 * may store an empty URL meaning "not configured", but scep_check_url() and
 * scep_settings_validate() reject it: nothing can be enrolled without one.
 */
#include "config.h"

#include "scep-int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void scep_settings_init(scep_settings *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    s->timeout = SCEP_TIMEOUT_DEFAULT;
}

static int is_host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_';
}

/* Host name: [A-Za-z0-9._-], no empty label (one trailing dot allowed). */
static int host_ok(const char *h, size_t n)
{
    size_t label = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_host_char((unsigned char)h[i]))
            return 0;
        if (h[i] == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (++label > 63) {
            return 0;
        }
    }
    return 1;
}

static int ipv6_ok(const char *h, size_t n)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char addr[16];

    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, h, n);
    buf[n] = '\0';
    return inet_pton(AF_INET6, buf, addr) == 1;
}

/* Decimal 1..65535, no sign, no leading junk. */
static int port_ok(const char *p, size_t n)
{
    unsigned long v = 0;

    if (n == 0 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

scep_rc scep_check_url(const char *url, size_t len, scep_error *e)
{
    const char *p, *end, *auth_end, *host, *host_end, *port = NULL;
    size_t skip;

    if (!url || len == 0)
        return scep_error_set(e, SCEP_E_BAD_URL, "empty server URL");
    if (len > SCEP_URL_MAX)
        return scep_error_set(e, SCEP_E_BAD_URL, "server URL longer than %d characters",
                              SCEP_URL_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];

        if (c <= 0x20 || c >= 0x7f)
            return scep_error_set(e, SCEP_E_BAD_URL,
                                  "server URL has a space, control or non-ASCII "
                                  "character at offset %zu",
                                  i);
    }
    if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return scep_error_set(e, SCEP_E_BAD_URL,
                              "server URL must start with http:// or "
                              "https://");
    if (memchr(url, '#', len)) /* the client appends ?operation=: a fragment would eat it */
        return scep_error_set(e, SCEP_E_BAD_URL,
                              "a #fragment in the server URL is not allowed");
    p = url + skip;
    end = url + len;
    auth_end = p;
    while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
        auth_end++;
    if (memchr(p, '@', (size_t)(auth_end - p)))
        return scep_error_set(e, SCEP_E_BAD_URL,
                              "user info in the server URL is not "
                              "supported");
    if (p < auth_end && *p == '[') {
        const char *rb = memchr(p, ']', (size_t)(auth_end - p));

        if (!rb || !ipv6_ok(p + 1, (size_t)(rb - p - 1)))
            return scep_error_set(e, SCEP_E_BAD_URL, "bad IPv6 literal in server URL");
        host_end = rb + 1;
        if (host_end < auth_end && *host_end != ':')
            return scep_error_set(e, SCEP_E_BAD_URL,
                                  "junk after IPv6 literal in server "
                                  "URL");
    } else {
        host = p;
        host_end = memchr(p, ':', (size_t)(auth_end - p));
        if (!host_end)
            host_end = auth_end;
        if (!host_ok(host, (size_t)(host_end - host)))
            return scep_error_set(e, SCEP_E_BAD_URL, "missing or bad host in server URL");
    }
    if (host_end < auth_end) { /* at ':' */
        port = host_end + 1;
        if (!port_ok(port, (size_t)(auth_end - port)))
            return scep_error_set(e, SCEP_E_BAD_URL, "bad port in server URL (1..65535)");
    }
    return SCEP_OK;
}

scep_rc scep_check_port(long port, scep_error *e)
{
    if (port < 0 || port > 65535)
        return scep_error_set(e, SCEP_E_INVALID, "port %ld out of range 0..65535", port);
    return SCEP_OK;
}

scep_rc scep_check_timeout(long secs, scep_error *e)
{
    if (secs < SCEP_TIMEOUT_MIN || secs > SCEP_TIMEOUT_MAX)
        return scep_error_set(e, SCEP_E_INVALID, "timeout %ld s out of range %d..%d", secs,
                              SCEP_TIMEOUT_MIN, SCEP_TIMEOUT_MAX);
    return SCEP_OK;
}

/*
 * Accepted: "" (-> ""), 64 hex digits, or 32 hex pairs separated by single
 * colons ("AA:bb:..."), any case. Output: 64 lowercase hex digits.
 */
scep_rc scep_normalize_fpr(const char *in, size_t len, char out[SCEP_FPR_HEX_LEN + 1])
{
    char text[SCEP_FPR_HEX_LEN / 2 * 3];
    unsigned char md[SCEP_FPR_HEX_LEN / 2];
    size_t n = 0;
    int colons;

    if (!out)
        return SCEP_E_INVALID;
    out[0] = '\0';
    if (len == 0)
        return SCEP_OK;
    if (!in)
        return SCEP_E_INVALID;
    colons = memchr(in, ':', len) != NULL;
    if (len != (colons ? sizeof text - 1 : SCEP_FPR_HEX_LEN))
        return SCEP_E_INVALID;
    for (size_t i = 0; colons && i < len; i++) /* a colon between pairs, nowhere else */
        if ((i % 3 == 2) != (in[i] == ':'))
            return SCEP_E_INVALID;
    memcpy(text, in, len);
    text[len] = '\0';
    if (scep_unhex(text, colons ? ':' : 0, md, sizeof md, &n) != SCEP_OK || n != sizeof md)
        return SCEP_E_INVALID;
    scep_hex(md, sizeof md, 0, 0, out, SCEP_FPR_HEX_LEN + 1);
    return SCEP_OK;
}

scep_rc scep_check_fingerprint(const char *fpr, size_t len, scep_error *e)
{
    char out[SCEP_FPR_HEX_LEN + 1];

    if (scep_normalize_fpr(fpr, len, out) != SCEP_OK)
        return scep_error_set(e, SCEP_E_INVALID,
                              "fingerprint must be empty or a SHA-256 of %d hex digits "
                              "(colons between pairs allowed)",
                              SCEP_FPR_HEX_LEN);
    return SCEP_OK;
}

/* A NUL-terminated string within its array, without control characters. */
static int field_ok(const char *s, size_t size)
{
    size_t n = strnlen(s, size);

    if (n == size)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
            return 0;
    return 1;
}

scep_rc scep_settings_validate(const scep_settings *s, scep_error *e)
{
    scep_rc rc;

    if (!s)
        return scep_error_set(e, SCEP_E_INVALID, "no settings");
    if (strnlen(s->url, sizeof s->url) == sizeof s->url)
        return scep_error_set(e, SCEP_E_BAD_URL, "server URL not terminated");
    rc = scep_check_url(s->url, strlen(s->url), e);
    if (rc)
        return rc;
    rc = scep_check_port(s->port, e);
    if (rc)
        return rc;
    rc = scep_check_timeout(s->timeout, e);
    if (rc)
        return rc;
    if (!field_ok(s->ca_pin, sizeof s->ca_pin) ||
        scep_check_fingerprint(s->ca_pin, strlen(s->ca_pin), NULL))
        return scep_error_set(e, SCEP_E_INVALID,
                              "CA fingerprint pin is not a SHA-256 "
                              "fingerprint");
    if (!field_ok(s->ca_seen, sizeof s->ca_seen) ||
        scep_check_fingerprint(s->ca_seen, strlen(s->ca_seen), NULL))
        return scep_error_set(e, SCEP_E_INVALID,
                              "recorded CA fingerprint is not a SHA-256 "
                              "fingerprint");
    if (!field_ok(s->cacert_bundle, sizeof s->cacert_bundle))
        return scep_error_set(e, SCEP_E_INVALID, "bad CA bundle path");
    /* The proxy may be "host:port" or a URL of any scheme libcurl knows. */
    if (!field_ok(s->proxy, sizeof s->proxy) || strchr(s->proxy, ' '))
        return scep_error_set(e, SCEP_E_INVALID, "bad proxy");
    return SCEP_OK;
}
