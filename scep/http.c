/*
 * http.c - process-wide initialisation and the libcurl transport.
 *
 * Each call uses its own easy handle, so the transport is safe to call from the
 * worker thread while other threads do the same (DESIGN.md section 2); only
 * curl_global_init needs serialising, done here under a mutex.
 *
 * Deliberate choices (S6, X5):
 *  - Only http and https, for the request and for redirects. Redirects are not
 *    followed at all: SCEP servers do not redirect, and a 3xx answer is reported
 *    as "TCP ERROR 3xx" rather than silently talking to another host.
 *  - The proxy comes from the agent's configuration only. With no proxy
 *    configured CURLOPT_PROXY is set to "" so that http_proxy/https_proxy/
 *    all_proxy in the daemon's environment are ignored: the agent's behaviour
 *    then depends on its configuration file alone, not on how it was started.
 *  - HTTPS always verifies the peer and the host name. A configured CA bundle
 *    replaces the system store (CAPATH is cleared too), it is not added to it.
 *  - POST bodies are sent as "application/x-pki-message" (RFC 8894 section 4.3);
 *    "Expect: 100-continue" is suppressed (it would cost a round trip or a 1 s
 *    wait on servers that ignore it).
 *  - Response bodies are capped at SCEP_HTTP_MAX_BODY: a SCEP answer is a few
 *    kilobytes, anything much bigger is a misconfigured URL or hostile.
 *  - The URL is never copied into an error text (it may carry user:password).
 *  - libcurl is linked normally (packaging tools see the dependency, and
 *    curl.h's compile-time checks of curl_easy_setopt() types are on). It
 *    is initialised at the first request, and the library found at run time
 *    must be at least LIBCURL_MIN (the build's minimum too, m4/libcurl.m4)
 *    and support TLS: an older or TLS-less one is refused with a log line,
 *    not used.
 */
#include "config.h"

#include "scep-int.h"

#include <ctype.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCEP_HTTP_MAX_BODY (1024u * 1024u)
#define SCEP_USER_AGENT    "scep-agentx/" PACKAGE_VERSION

/* The oldest libcurl that can run this file: 7.68.0 (m4/libcurl.m4), or
 * 7.85.0 when it is built with headers that have CURLOPT_PROTOCOLS_STR (an
 * older libcurl would refuse that option on every request). */
#if LIBCURL_VERSION_NUM >= 0x075500
#define LIBCURL_MIN      0x075500
#define LIBCURL_MIN_TEXT "7.85.0"
#else
#define LIBCURL_MIN      0x074400
#define LIBCURL_MIN_TEXT "7.68.0"
#endif

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int curl_ready;

/* The libcurl found at run time can do what we need; else logs why. */
static int curl_usable(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (!v || v->version_num < LIBCURL_MIN) {
        scep_log(SCEP_LOG_ERR, "libcurl %s at run time; at least %s is needed",
                 v && v->version ? v->version : "?", LIBCURL_MIN_TEXT);
        return 0;
    }
    if (!(v->features & CURL_VERSION_SSL)) {
        scep_log(SCEP_LOG_ERR, "libcurl %s at run time has no TLS support (https)",
                 v->version);
        return 0;
    }
    return 1;
}

/* Check the run-time libcurl and run curl_global_init, once (under a lock:
 * libcurl's global init was not thread-safe before 7.84). */
static scep_rc ensure_curl(void)
{
    scep_rc rc = SCEP_OK;

    pthread_mutex_lock(&init_lock);
    if (!curl_ready) {
        if (!curl_usable())
            rc = SCEP_E_INTERNAL;
        else if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
            curl_ready = 1;
        else
            rc = SCEP_E_INTERNAL;
    }
    pthread_mutex_unlock(&init_lock);
    return rc;
}

const char *scep_version_info(void)
{
    static char buf[160];
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    snprintf(buf, sizeof buf, "%s, libcurl %s", OpenSSL_version(OPENSSL_VERSION),
             v && v->version ? v->version : "?");
    return buf;
}

/* Nothing heavy happens here: libcurl's global state (and the TLS library
 * it initialises) and the private OpenSSL context with the legacy provider
 * are set up on first use, by the first request (ensure_curl) and the first
 * SCEP message (scep_libctx), both under a lock. */
scep_rc scep_global_init(void)
{
    return SCEP_OK;
}

void scep_global_cleanup(void)
{
    pthread_mutex_lock(&init_lock);
    if (curl_ready) {
        curl_global_cleanup();
        curl_ready = 0;
    }
    pthread_mutex_unlock(&init_lock);
    scep_libctx_free();
}

void scep_http_resp_free(scep_http_resp *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

typedef struct sink {
    unsigned char *buf;
    size_t len, cap;
    int too_big;
} sink;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
    sink *s = userp;
    size_t n = size * nmemb;

    if (n > SCEP_HTTP_MAX_BODY - s->len) {
        s->too_big = 1;
        return 0; /* CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        unsigned char *p = realloc(s->buf, cap);
        if (!p)
            return 0;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0'; /* text bodies (GetCACaps) can be used as strings */
    return n;
}

static int xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    volatile int *cancel = userp;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return (cancel && *cancel) ? 1 : 0;
}

static int valid_operation(const char *op)
{
    if (!op || !*op)
        return 0;
    for (; *op; op++)
        if (!isalnum((unsigned char)*op))
            return 0;
    return 1;
}

static int scheme_ok(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* url + ("?" or "&") + "operation=" op [+ "&message=" escaped]; malloc'd. */
static char *build_url(CURL *h, const char *base, const char *op, const char *message)
{
    char *esc = NULL;
    char *url;
    size_t n;

    if (message) {
        esc = curl_easy_escape(h, message, 0);
        if (!esc)
            return NULL;
    }
    n = strlen(base) + strlen(op) + (esc ? strlen(esc) : 0) + 32;
    url = malloc(n);
    if (url)
        snprintf(url, n, "%s%soperation=%s%s%s", base, strchr(base, '?') ? "&" : "?", op,
                 esc ? "&message=" : "", esc ? esc : "");
    curl_free(esc);
    return url;
}

/* The first ~100 printable characters of an error page, for the error text. */
static void body_excerpt(const unsigned char *b, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    int space = 0;

    for (size_t i = 0; i < len && o + 1 < outlen && o < 100; i++) {
        unsigned char c = b[i];
        if (c == '<') { /* skip HTML tags */
            while (i < len && b[i] != '>')
                i++;
            space = 1;
            continue;
        }
        if (!isprint(c) || c == ' ') {
            space = 1;
            continue;
        }
        if (space && o > 0 && o + 2 < outlen)
            out[o++] = ' ';
        space = 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
}

static scep_rc map_curl_error(CURLcode cc, const sink *body, const char *errbuf,
                              const char *op, unsigned timeout, scep_error *e)
{
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);

    switch (cc) {
    case CURLE_OK:
        return SCEP_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return scep_error_set(e, SCEP_E_TIMEOUT, "%s: timed out after %u s: %s", op,
                              timeout, why);
    case CURLE_ABORTED_BY_CALLBACK:
        return scep_error_set(e, SCEP_E_CANCELLED, "%s: cancelled", op);
    case CURLE_FILESIZE_EXCEEDED:
        return scep_error_set(e, SCEP_E_MALFORMED, "%s: response too large (over %u bytes)",
                              op, SCEP_HTTP_MAX_BODY);
    case CURLE_WRITE_ERROR:
        if (body->too_big)
            return scep_error_set(e, SCEP_E_MALFORMED,
                                  "%s: response too large (over %u bytes)", op,
                                  SCEP_HTTP_MAX_BODY);
        return scep_error_set(e, SCEP_E_NOMEM, "%s: out of memory storing the response",
                              op);
    case CURLE_OUT_OF_MEMORY:
        return scep_error_set(e, SCEP_E_NOMEM, "%s: %s", op, why);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return scep_error_set(e, SCEP_E_BAD_URL, "%s: %s", op, why);
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return scep_error_set(e, SCEP_E_TLS_VERIFY,
                              "%s: cannot verify the server: CA bundle unusable: %s", op,
                              why);
    case CURLE_PEER_FAILED_VERIFICATION: /* == CURLE_SSL_CACERT since 7.62 */
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return scep_error_set(e, SCEP_E_TLS_VERIFY,
                              "%s: server certificate not trusted: %s", op, why);
    default:
        /* Connect/resolve/send/receive failures, TLS handshake errors
         * (CURLE_SSL_CONNECT_ERROR), proxy errors: "TCP ERROR". */
        return scep_error_set(e, SCEP_E_TCP, "%s: %s (curl error %d)", op, why, (int)cc);
    }
}

#define SETOPT(h, opt, val)                                                                \
    do {                                                                                   \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) {                             \
            rc = scep_error_set(e, SCEP_E_INTERNAL, "curl_easy_setopt(%s) failed", #opt);  \
            goto out;                                                                      \
        }                                                                                  \
    } while (0)

scep_rc scep_http_curl(void *ctx, const scep_settings *s, const scep_http_req *req,
                       scep_http_resp *resp, scep_error *e)
{
    volatile int *cancel = ctx;
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL;
    char *url = NULL;
    char errbuf[CURL_ERROR_SIZE];
    sink body = {NULL, 0, 0, 0};
    unsigned timeout;
    long status = 0;
    char *ctype = NULL;
    CURLcode cc;
    scep_rc rc;

    if (resp)
        memset(resp, 0, sizeof *resp);
    if (e)
        e->http_status = 0; /* this call's status only (scep_error_set keeps it) */
    if (!s || !req || !resp || !valid_operation(req->operation))
        return scep_error_set(e, SCEP_E_INVALID, "HTTP request: invalid arguments");
    if (!scheme_ok(s->url))
        return scep_error_set(e, SCEP_E_BAD_URL, "%s: server URL is not http(s)",
                              req->operation);
    if (s->port > 65535)
        return scep_error_set(e, SCEP_E_INVALID, "%s: port %u out of range", req->operation,
                              s->port);
    if (cancel && *cancel)
        return scep_error_set(e, SCEP_E_CANCELLED, "%s: cancelled", req->operation);
    rc = ensure_curl();
    if (rc)
        return scep_error_set(e, rc, "curl_global_init failed");
    timeout = s->timeout ? s->timeout : SCEP_TIMEOUT_DEFAULT;

    h = curl_easy_init();
    if (!h)
        return scep_error_set(e, SCEP_E_NOMEM, "curl_easy_init failed");
    url = build_url(h, s->url, req->operation, req->body ? NULL : req->message);
    if (!url) {
        rc = scep_error_set(e, SCEP_E_NOMEM, "%s: out of memory building the URL",
                            req->operation);
        goto out;
    }
    errbuf[0] = '\0';
    SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SETOPT(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (s->port)
        SETOPT(h, CURLOPT_PORT, (long)s->port);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT, (long)timeout);
    SETOPT(h, CURLOPT_TIMEOUT, (long)timeout);
    SETOPT(h, CURLOPT_USERAGENT, SCEP_USER_AGENT);
    SETOPT(h, CURLOPT_PROXY, s->proxy[0] ? s->proxy : "");
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (s->cacert_bundle[0]) {
        SETOPT(h, CURLOPT_CAINFO, s->cacert_bundle);
        SETOPT(h, CURLOPT_CAPATH, (char *)NULL);
    }
    SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SCEP_HTTP_MAX_BODY);
    SETOPT(h, CURLOPT_WRITEFUNCTION, write_cb);
    SETOPT(h, CURLOPT_WRITEDATA, &body);
    SETOPT(h, CURLOPT_NOPROGRESS, 0L);
    SETOPT(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    SETOPT(h, CURLOPT_XFERINFODATA, (void *)cancel);
    if (req->body) {
        struct curl_slist *t =
            curl_slist_append(hdrs, "Content-Type: application/x-pki-message");
        if (t)
            hdrs = t;
        t = t ? curl_slist_append(hdrs, "Expect:") : NULL;
        if (!t) {
            rc = scep_error_set(e, SCEP_E_NOMEM, "%s: out of memory", req->operation);
            goto out;
        }
        hdrs = t;
        SETOPT(h, CURLOPT_POST, 1L);
        SETOPT(h, CURLOPT_POSTFIELDS, (const char *)req->body);
        SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
    } else {
        SETOPT(h, CURLOPT_HTTPGET, 1L);
    }

    cc = curl_easy_perform(h);
    /* A cancel that raced with the end of the transfer still counts. */
    if (cc == CURLE_OK && cancel && *cancel)
        cc = CURLE_ABORTED_BY_CALLBACK;
    rc = map_curl_error(cc, &body, errbuf, req->operation, timeout, e);
    if (rc)
        goto out;

    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
        snprintf(resp->content_type, sizeof resp->content_type, "%s", ctype);
    resp->status = status;
    if (status >= 300 && status < 400) { /* not followed: say where it pointed */
        char *loc = NULL;
        char where[128] = "no Location";
        if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
            body_excerpt((const unsigned char *)loc, strlen(loc), where, sizeof where);
        rc = scep_error_set(e, SCEP_E_HTTP,
                            "%s: HTTP status %ld, redirect to %s (not followed)",
                            req->operation, status, where);
        if (e)
            e->http_status = status;
        goto out;
    }
    if (status >= 300 || status < 100) {
        char excerpt[104];
        body_excerpt(body.buf, body.len, excerpt, sizeof excerpt);
        rc = scep_error_set(e, SCEP_E_HTTP, "%s: HTTP status %ld%s%s", req->operation,
                            status, excerpt[0] ? ": " : "", excerpt);
        if (e)
            e->http_status = status;
        goto out;
    }
    if (e)
        e->http_status = status;
    resp->body = body.buf;
    resp->body_len = body.len;
    body.buf = NULL;
    scep_log(SCEP_LOG_DEBUG, "%s: HTTP %ld, %zu bytes, %s", req->operation, status,
             resp->body_len,
             resp->content_type[0] ? resp->content_type : "no content type");

out:
    free(body.buf);
    free(url);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return rc;
}
