/*
 * params.c - request parameters (M1-M7): defaults, checks, enum names.
 *
 * Checks take (pointer, length) because SNMP OCTET STRINGs are not
 * NUL-terminated. Error texts never quote the challenge password.
 */
#include "config.h"

#include "scep-int.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

void scep_params_init(scep_params *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->hash = SCEP_HASH_SHA256;
    p->bits = 2048;
    p->usage = SCEP_USAGE_NONE;
}

void scep_params_wipe(scep_params *p)
{
    if (p)
        OPENSSL_cleanse(p->challenge, sizeof p->challenge);
}

/* M1: 1..32 of [A-Za-z0-9._-], not starting with '.' (no hidden files, no "..") */
scep_rc scep_check_name(const char *name, size_t len, scep_error *e)
{
    if (!name || len == 0)
        return scep_error_set(e, SCEP_E_NAME, "key name is empty");
    if (len > SCEP_NAME_MAX)
        return scep_error_set(e, SCEP_E_NAME, "key name longer than %d characters",
                              SCEP_NAME_MAX);
    if (name[0] == '.')
        return scep_error_set(e, SCEP_E_NAME, "key name must not start with '.'");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return scep_error_set(e, SCEP_E_NAME,
                                  "key name may only contain A-Z a-z 0-9 . _ - "
                                  "(bad character at offset %zu)",
                                  i);
    }
    return SCEP_OK;
}

scep_rc scep_check_bits(long bits, scep_error *e)
{
    if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)
        return scep_error_set(e, SCEP_E_INVALID,
                              "key length %ld not one of 1024, 2048, 3072, 4096", bits);
    return SCEP_OK;
}

static int ip_literal(const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char addr[16];

    if (len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Host name of LDH labels (RFC 1123): each 1..63, no leading or trailing
 * hyphen, no empty label, no trailing dot. The last label must not be all
 * digits: no top-level domain is, and it catches bad IPv4 like "10.0.0.300".
 */
static int hostname_ok(const char *s, size_t len)
{
    size_t start = 0;
    int all_digits = 1;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            size_t n = i - start;

            if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-')
                return 0;
            if (i == len && all_digits)
                return 0;
            start = i + 1;
            all_digits = 1;
            continue;
        }
        if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
        if (s[i] < '0' || s[i] > '9')
            all_digits = 0;
    }
    return 1;
}

/* M5: the host's IPv4/IPv6 address or its FQDN / host name, 1..64 characters. */
scep_rc scep_check_cn(const char *cn, size_t len, scep_error *e)
{
    if (!cn || len == 0)
        return scep_error_set(e, SCEP_E_INVALID, "common name is empty");
    if (len > SCEP_CN_MAX)
        return scep_error_set(e, SCEP_E_INVALID, "common name longer than %d characters",
                              SCEP_CN_MAX);
    if (memchr(cn, '\0', len))
        return scep_error_set(e, SCEP_E_INVALID, "common name contains a NUL byte");
    if (ip_literal(cn, len) || hostname_ok(cn, len))
        return SCEP_OK;
    return scep_error_set(e, SCEP_E_INVALID,
                          "common name must be an IP address or a host name of letters, "
                          "digits, hyphens and dots");
}

/* NUL-terminated within size, every character printable ASCII. */
static int printable_ok(const char *s, size_t size)
{
    size_t n = strnlen(s, size);

    if (n == size)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

scep_rc scep_params_validate(const scep_params *p, const char *const *policies,
                             scep_error *e)
{
    scep_rc rc;
    size_t n;

    if (!p)
        return scep_error_set(e, SCEP_E_INVALID, "no request parameters");
    n = strnlen(p->name, sizeof p->name);
    if (n == sizeof p->name)
        return scep_error_set(e, SCEP_E_NAME, "key name not terminated");
    rc = scep_check_name(p->name, n, e);
    if (rc)
        return rc;
    if ((int)p->hash < SCEP_HASH_SHA1 || (int)p->hash > SCEP_HASH_SHA512)
        return scep_error_set(e, SCEP_E_INVALID, "unknown signature hash %d", (int)p->hash);
    rc = scep_check_bits(p->bits, e);
    if (rc)
        return rc;
    if (!printable_ok(p->org, sizeof p->org))
        return scep_error_set(e, SCEP_E_INVALID,
                              "organization must be at most %d printable characters",
                              SCEP_ORG_MAX);
    n = strnlen(p->cn, sizeof p->cn);
    if (n == sizeof p->cn)
        return scep_error_set(e, SCEP_E_INVALID, "common name not terminated");
    rc = scep_check_cn(p->cn, n, e);
    if (rc)
        return rc;
    if (strnlen(p->challenge, sizeof p->challenge) == sizeof p->challenge)
        return scep_error_set(e, SCEP_E_INVALID,
                              "challenge password longer than %d characters",
                              SCEP_CHALLENGE_MAX);
    if ((int)p->usage < SCEP_USAGE_NONE || (int)p->usage > SCEP_USAGE_DOT1X)
        return scep_error_set(e, SCEP_E_INVALID, "unknown key usage %d", (int)p->usage);
    if (!printable_ok(p->ipsec_policy, sizeof p->ipsec_policy))
        return scep_error_set(e, SCEP_E_INVALID, "bad IPsec policy name");
    if (p->usage != SCEP_USAGE_IPSEC) {
        if (p->ipsec_policy[0])
            return scep_error_set(e, SCEP_E_INVALID,
                                  "an IPsec policy is only allowed with usage ipsec");
        return SCEP_OK;
    }
    if (!p->ipsec_policy[0])
        return scep_error_set(e, SCEP_E_INVALID, "usage ipsec requires an IPsec policy");
    if (policies) {
        for (const char *const *q = policies; *q; q++)
            if (strcmp(*q, p->ipsec_policy) == 0)
                return SCEP_OK;
        return scep_error_set(e, SCEP_E_INVALID,
                              "IPsec policy \"%s\" is not in the local configuration",
                              p->ipsec_policy);
    }
    return SCEP_OK;
}

const char *scep_hash_name(scep_hash h)
{
    switch (h) {
    case SCEP_HASH_SHA1:
        return "sha1";
    case SCEP_HASH_SHA256:
        return "sha256";
    case SCEP_HASH_SHA384:
        return "sha384";
    case SCEP_HASH_SHA512:
        return "sha512";
    }
    return "unknown";
}

int scep_hash_from_name(const char *s)
{
    if (!s)
        return -1;
    for (int h = SCEP_HASH_SHA1; h <= SCEP_HASH_SHA512; h++)
        if (strcasecmp(s, scep_hash_name((scep_hash)h)) == 0)
            return h;
    return -1;
}

const char *scep_usage_name(scep_usage u)
{
    switch (u) {
    case SCEP_USAGE_NONE:
        return "none";
    case SCEP_USAGE_TLS:
        return "tls";
    case SCEP_USAGE_IPSEC:
        return "ipsec";
    case SCEP_USAGE_DOT1X:
        return "dot1x";
    }
    return "unknown";
}

int scep_usage_from_name(const char *s)
{
    if (!s)
        return -1;
    for (int u = SCEP_USAGE_NONE; u <= SCEP_USAGE_DOT1X; u++)
        if (strcasecmp(s, scep_usage_name((scep_usage)u)) == 0)
            return u;
    return -1;
}
