/*
 * caps.c - GetCACaps (RFC 8894 section 3.5.2): parsing the capability list
 * and choosing the CMS digest and content-encryption cipher from it (S5).
 */
#include "config.h"

#include "scep-int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Keyword table, in display order. "SHA-224" and "SHA-384" are not in RFC 8894
 * Table 7 but some CAs announce them; unknown keywords are ignored (RFC: MUST). */
static const struct {
    const char *word;
    unsigned bit;
} caps_words[] = {
    {"AES", SCEP_CAP_AES},
    {"DES3", SCEP_CAP_DES3},
    {"GetNextCACert", SCEP_CAP_GETNEXTCACERT},
    {"POSTPKIOperation", SCEP_CAP_POST},
    {"Renewal", SCEP_CAP_RENEWAL},
    {"SHA-1", SCEP_CAP_SHA1},
    {"SHA-224", SCEP_CAP_SHA224},
    {"SHA-256", SCEP_CAP_SHA256},
    {"SHA-384", SCEP_CAP_SHA384},
    {"SHA-512", SCEP_CAP_SHA512},
    {"SCEPStandard", SCEP_CAP_SCEPSTANDARD},
    {"Update", SCEP_CAP_UPDATE},
};

#define NWORDS (sizeof caps_words / sizeof caps_words[0])

static int is_sep(char c)
{
    /* RFC: <CR><LF> or <LF>; servers in the field also use spaces/tabs, and a
     * stray NUL terminator is treated as a separator too. */
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\0';
}

static unsigned caps_word(const char *w, size_t n)
{
    for (size_t i = 0; i < NWORDS; i++) {
        if (strlen(caps_words[i].word) == n && strncasecmp(caps_words[i].word, w, n) == 0)
            return caps_words[i].bit;
    }
    return 0;
}

unsigned scep_caps_parse(const char *body, size_t len)
{
    unsigned caps = 0;
    size_t i = 0;

    if (!body)
        return 0;
    while (i < len) {
        while (i < len && is_sep(body[i]))
            i++;
        size_t start = i;
        while (i < len && !is_sep(body[i]))
            i++;
        if (i > start)
            caps |= caps_word(body + start, i - start);
    }
    /* RFC 8894 Table 7: SCEPStandard implies AES, POSTPKIOperation, SHA-256. */
    if (caps & SCEP_CAP_SCEPSTANDARD)
        caps |= SCEP_CAP_AES | SCEP_CAP_POST | SCEP_CAP_SHA256;
    return caps;
}

/*
 * Digest: SHA-256 whenever it is offered (RFC 8894 section 3.5.2: "SHOULD use
 * SHA-256 in preference to SHA-1", and AES128/SHA-256 are what every server
 * of the RFC's appendix implements), else the strongest SHA-2 offered, else
 * SHA-1 (a server that offers nothing better; never MD5, section 7.5).
 */
const char *scep_caps_digest(unsigned caps)
{
    if (caps & SCEP_CAP_SHA256)
        return "SHA256";
    if (caps & SCEP_CAP_SHA512)
        return "SHA512";
    if (caps & SCEP_CAP_SHA384)
        return "SHA384";
    if (caps & SCEP_CAP_SHA224)
        return "SHA224";
    return "SHA1";
}

/*
 * Content-encryption cipher. RFC 8894 Table 7 defines "AES" as "CA supports the
 * AES128-CBC encryption algorithm" and section 3.5.2 says AES128-CBC SHOULD be
 * used "in the interests of interoperability"; a CA announcing AES is not
 * promised to handle AES-256, so AES means AES-128-CBC here (NDES, EJBCA,
 * OpenXPKI and micromdm all accept it). Without AES, triple DES: single DES
 * is a MUST NOT (section 7.5: an in-path attacker who answers GetCACaps,
 * which is not authenticated, must not be able to force it) and every known
 * server supports DES3 (section 7.5). A CertRep that comes back single-DES
 * encrypted (the Debian scepserver always answers so) is still opened: it
 * carries public certificates only (libctx.c loads the legacy provider).
 */
const char *scep_caps_cipher(unsigned caps)
{
    if (caps & SCEP_CAP_AES)
        return "AES-128-CBC";
    return "DES-EDE3-CBC";
}

const char *scep_caps_format(unsigned caps, char *buf, size_t len)
{
    size_t used = 0;

    if (!buf || len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < NWORDS; i++) {
        if (!(caps & caps_words[i].bit))
            continue;
        int n =
            snprintf(buf + used, len - used, "%s%s", used ? " " : "", caps_words[i].word);
        if (n < 0 || (size_t)n >= len - used) {
            buf[used] = '\0'; /* no half words: drop what does not fit */
            break;
        }
        used += (size_t)n;
    }
    return buf;
}
