/* misc.c - wiping secrets; hex both ways (the one encoder and decoder of the
 * backend, on OpenSSL's); times and server names as log lines show them. */
#include "config.h"

#include "scep-int.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void scep_wipe(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
}

size_t scep_hex(const unsigned char *b, size_t n, char sep, int upper, char *out,
                size_t outlen)
{
    size_t len = 0;
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    /* each byte takes 2 digits and a separator, the last one's being the NUL */
    size_t fit = sep ? outlen / 3 : (outlen - 1) / 2;
    if (n > fit)
        n = fit;
    if (n == 0)
        return 0;
    if (!OPENSSL_buf2hexstr_ex(out, outlen, &len, b, n, sep)) { /* cannot happen */
        ERR_clear_error();
        out[0] = '\0';
        return 0;
    }
    len--; /* counted the NUL */
    for (size_t i = 0; !upper && i < len; i++)
        out[i] = (char)tolower((unsigned char)out[i]); /* OpenSSL writes uppercase */
    return len;
}

scep_rc scep_unhex(const char *hex, char sep, unsigned char *buf, size_t max, size_t *n)
{
    *n = 0;
    if (!OPENSSL_hexstr2buf_ex(buf, max, n, hex, sep)) {
        ERR_clear_error();
        *n = 0;
        return SCEP_E_INVALID;
    }
    return SCEP_OK;
}

const char *scep_time_iso(time_t t, char *buf, size_t n)
{
    struct tm tm;
    if (n == 0)
        return buf;
    if (t == 0 || !gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "-");
    return buf;
}

const char *scep_url_host(const char *url, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    const char *p = url ? strstr(url, "://") : NULL;
    p = p ? p + 3 : url;
    size_t len = p ? strcspn(p, "/?#") : 0;
    const char *at = p ? memchr(p, '@', len) : NULL;
    if (at) { /* user:password@ never reaches a log */
        len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (len == 0)
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, "%.*s", (int)len, p);
    return buf;
}
