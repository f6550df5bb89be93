/*
 * cert.c - certificate helpers: fingerprints, the certificate columns of a
 * key store row (subject, issuer, serial, validity, SHA-256), PEM export.
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

scep_rc scep_cert_fpr_hex(X509 *x, char out[SCEP_FPR_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    out[0] = '\0';
    if (!x)
        return SCEP_E_INVALID;
    if (!X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != SCEP_FPR_HEX_LEN / 2) {
        ERR_clear_error();
        return SCEP_E_CRYPTO;
    }
    scep_hex(md, mdlen, 0, 0, out, SCEP_FPR_HEX_LEN + 1);
    return SCEP_OK;
}

/* "AA:BB:.." of n bytes into buf (truncated at whole bytes to fit). */
static void colon_hex(const unsigned char *b, size_t n, char *buf, size_t len)
{
    scep_hex(b, n, ':', 1, buf, len);
}

/* One-line RFC 4514-like text of a name (UTF-8 kept as is). */
static void name_text(const X509_NAME *nm, char *buf, size_t len)
{
    BIO *bio;
    char *p = NULL;
    long n;

    buf[0] = '\0';
    if (!nm)
        return;
    bio = BIO_new(BIO_s_mem());
    if (!bio)
        goto out;
    if (X509_NAME_print_ex(bio, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        goto out;
    n = BIO_get_mem_data(bio, &p);
    if (n <= 0 || !p)
        goto out;
    if ((size_t)n >= len) {
        n = (long)len - 1;
        /* do not cut a UTF-8 sequence in the middle */
        while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
out:
    BIO_free(bio);
    ERR_clear_error();
}

static void serial_text(const ASN1_INTEGER *ai, char *buf, size_t len)
{
    BIGNUM *bn = NULL;
    unsigned char *b = NULL;
    int n;

    buf[0] = '\0';
    if (!ai)
        return;
    bn = ASN1_INTEGER_to_BN(ai, NULL);
    if (!bn)
        goto out;
    n = BN_num_bytes(bn);
    if (n == 0) {
        if (len >= 3)
            memcpy(buf, "00", 3);
        goto out;
    }
    b = malloc((size_t)n);
    if (!b)
        goto out;
    BN_bn2bin(bn, b);
    if (BN_is_negative(bn) && len > 1) {
        buf[0] = '-';
        colon_hex(b, (size_t)n, buf + 1, len - 1);
    } else {
        colon_hex(b, (size_t)n, buf, len);
    }
out:
    free(b);
    BN_free(bn);
    ERR_clear_error();
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;

    if (!t)
        return 0;
    memset(&tm, 0, sizeof tm);
    if (!ASN1_TIME_to_tm(t, &tm)) {
        ERR_clear_error();
        return 0;
    }
    return timegm(&tm);
}

void scep_cert_fill_info(X509 *x, scep_keyinfo *k)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    k->has_cert = 0;
    k->subject[0] = k->issuer[0] = k->serial[0] = k->sha256[0] = '\0';
    k->not_before = k->not_after = 0;
    if (!x)
        return;
    name_text(X509_get_subject_name(x), k->subject, sizeof k->subject);
    name_text(X509_get_issuer_name(x), k->issuer, sizeof k->issuer);
    serial_text(X509_get0_serialNumber(x), k->serial, sizeof k->serial);
    k->not_before = asn1_time_t(X509_get0_notBefore(x));
    k->not_after = asn1_time_t(X509_get0_notAfter(x));
    if (X509_digest(x, EVP_sha256(), md, &mdlen))
        colon_hex(md, mdlen, k->sha256, sizeof k->sha256);
    else
        ERR_clear_error();
    k->has_cert = 1;
}

scep_rc scep_cert_to_pem(X509 *x, char **pem, size_t *len, scep_error *e)
{
    BIO *bio = NULL;
    char *p = NULL;
    long n;
    scep_rc rc;

    *pem = NULL;
    if (len)
        *len = 0;
    if (!x)
        return scep_error_set(e, SCEP_E_INVALID, "no certificate");
    bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_X509(bio, x)) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot encode certificate as PEM");
        scep_error_add_openssl(e);
        goto out;
    }
    n = BIO_get_mem_data(bio, &p);
    if (n <= 0 || !p) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "empty PEM certificate");
        goto out;
    }
    *pem = malloc((size_t)n + 1);
    if (!*pem) {
        rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(*pem, p, (size_t)n);
    (*pem)[n] = '\0';
    if (len)
        *len = (size_t)n;
    rc = SCEP_OK;
out:
    BIO_free(bio);
    return rc;
}

scep_rc scep_cert_read_file(const char *path, X509 **out, scep_error *e)
{
    BIO *b = BIO_new_file(path, "r");

    *out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!*out) {
        scep_rc rc = scep_error_set(e, SCEP_E_IO, "cannot read certificate %s", path);
        scep_error_add_openssl(e);
        return rc;
    }
    return SCEP_OK;
}

/* ---- validity as the key store and the MIB show it ---------------------- */

long scep_days_left(const scep_keyinfo *k, time_t now)
{
    long long d = (long long)k->not_after - (long long)now;
    long long q = d / 86400;

    if (d % 86400 != 0 && d < 0)
        q--; /* floor, not truncation */
    return (long)q;
}

scep_cert_status scep_cert_status_at(const scep_keyinfo *k, time_t now, unsigned warn_days)
{
    if (!k->has_cert)
        return SCEP_CERT_NONE;
    if (now < k->not_before)
        return SCEP_CERT_NOTYETVALID;
    if (now >= k->not_after)
        return SCEP_CERT_EXPIRED;
    if (warn_days && scep_days_left(k, now) <= (long)warn_days) /* "or fewer" (MIB) */
        return SCEP_CERT_EXPIRING;
    return SCEP_CERT_VALID;
}
