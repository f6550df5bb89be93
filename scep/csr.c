/*
 * csr.c - RSA keys and the PKCS#10 certificate request (M2-M7).
 *
 * Keys, requests and signatures use the private library context
 * (scep_libctx(), libctx.c). The challenge password (M6) is a secret: it goes
 * into the CSR attribute and nowhere else (no log line, no error text).
 */
#include "config.h"

#include "scep-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* ---- digests --------------------------------------------------------------- */

const EVP_MD *scep_hash_md(scep_hash h)
{
    switch (h) {
    case SCEP_HASH_SHA1:
        return scep_libctx_digest("SHA1");
    case SCEP_HASH_SHA256:
        return scep_libctx_digest("SHA256");
    case SCEP_HASH_SHA384:
        return scep_libctx_digest("SHA384");
    case SCEP_HASH_SHA512:
        return scep_libctx_digest("SHA512");
    }
    return NULL;
}

/* ---- keys ------------------------------------------------------------------ */

/* Called by OpenSSL during prime generation; returning 0 aborts it. */
static int keygen_cb(EVP_PKEY_CTX *pctx)
{
    volatile int *cancel = EVP_PKEY_CTX_get_app_data(pctx);

    return !(cancel && *cancel);
}

scep_rc scep_key_generate(unsigned bits, volatile int *cancel, EVP_PKEY **out,
                          scep_error *e)
{
    OSSL_LIB_CTX *lc = scep_libctx();
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *k = NULL;
    scep_rc rc = SCEP_OK;

    *out = NULL;
    if (bits < 512 || bits > 16384)
        return scep_error_set(e, SCEP_E_INVALID, "unsupported RSA key size %u", bits);
    if (cancel && *cancel)
        return scep_error_set(e, SCEP_E_CANCELLED, "key generation cancelled");
    if (!lc)
        return scep_error_set(e, SCEP_E_KEYGEN, "no OpenSSL library context");

    pctx = EVP_PKEY_CTX_new_from_name(lc, "RSA", NULL);
    if (!pctx || EVP_PKEY_keygen_init(pctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, (int)bits) <= 0) {
        rc = scep_error_set(e, SCEP_E_KEYGEN, "RSA key generation setup failed");
        scep_error_add_openssl(e);
        goto out;
    }
    EVP_PKEY_CTX_set_app_data(pctx, (void *)cancel);
    EVP_PKEY_CTX_set_cb(pctx, keygen_cb);
    if (EVP_PKEY_generate(pctx, &k) <= 0) {
        EVP_PKEY_free(k);
        k = NULL;
        if (cancel && *cancel) {
            ERR_clear_error();
            rc = scep_error_set(e, SCEP_E_CANCELLED, "key generation cancelled");
        } else {
            rc = scep_error_set(e, SCEP_E_KEYGEN, "RSA-%u key generation failed", bits);
            scep_error_add_openssl(e);
        }
        goto out;
    }
    *out = k;
out:
    EVP_PKEY_CTX_free(pctx);
    return rc;
}

/* Never prompt for a pass phrase: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

scep_rc scep_key_load(const char *path, EVP_PKEY **out, scep_error *e)
{
    BIO *b;
    EVP_PKEY *k;

    *out = NULL;
    if (!path || !*path)
        return scep_error_set(e, SCEP_E_INVALID, "no key file given");
    b = BIO_new_file(path, "r");
    if (!b) {
        int err = errno;
        ERR_clear_error();
        return scep_error_set(e, SCEP_E_IO, "%s: %s", path, strerror(err));
    }
    k = PEM_read_bio_PrivateKey_ex(b, NULL, no_passphrase, NULL, scep_libctx(), NULL);
    BIO_free(b);
    if (!k) {
        scep_rc rc = scep_error_set(e, SCEP_E_INVALID,
                                    "%s: not an unencrypted PEM private key", path);
        scep_error_add_openssl(e);
        return rc;
    }
    if (!EVP_PKEY_is_a(k, "RSA")) {
        EVP_PKEY_free(k);
        return scep_error_set(e, SCEP_E_INVALID, "%s: only RSA keys are supported", path);
    }
    *out = k;
    return SCEP_OK;
}

scep_rc scep_key_to_pem(EVP_PKEY *k, char **pem, size_t *len, scep_error *e)
{
    BIO *b = BIO_new(BIO_s_secmem()); /* cleansed when freed */
    char *data;
    long n;
    scep_rc rc = SCEP_OK;

    *pem = NULL;
    *len = 0;
    if (!b)
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    if (!PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot encode the private key");
        scep_error_add_openssl(e);
        goto out;
    }
    n = BIO_get_mem_data(b, &data);
    *pem = malloc((size_t)n + 1);
    if (!*pem) {
        rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(*pem, data, (size_t)n);
    (*pem)[n] = '\0';
    *len = (size_t)n;
out:
    BIO_free(b);
    return rc;
}

/* ---- CSR ------------------------------------------------------------------- */

/* X.680 PrintableString alphabet. */
static int is_printable_string(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            continue;
        if (!strchr(" '()+,-./:=?", c))
            return 0;
    }
    return 1;
}

static int add_subject(X509_REQ *req, const scep_params *p)
{
    X509_NAME *n = X509_NAME_new();
    int ok = n != NULL;

    if (ok && p->org[0])
        ok = X509_NAME_add_entry_by_NID(n, NID_organizationName, MBSTRING_UTF8,
                                        (const unsigned char *)p->org, -1, -1, 0);
    if (ok)
        ok = X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
                                        (const unsigned char *)p->cn, -1, -1, 0);
    if (ok)
        ok = X509_REQ_set_subject_name(req, n);
    X509_NAME_free(n);
    return ok;
}

/* subjectAltName: iPAddress when the CN is an IPv4/IPv6 literal, else dNSName. */
static int add_san(STACK_OF(X509_EXTENSION) **exts, const char *cn)
{
    GENERAL_NAMES *gens = GENERAL_NAMES_new();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    unsigned char bin[16];
    int ok = 0;

    if (!gens || !gen)
        goto out;
    if (inet_pton(AF_INET, cn, bin) == 1 || inet_pton(AF_INET6, cn, bin) == 1) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(cn);
        if (!ip)
            goto out;
        GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
    } else {
        ASN1_IA5STRING *dns = ASN1_IA5STRING_new();
        if (!dns)
            goto out;
        if (!ASN1_STRING_set(dns, cn, -1)) {
            ASN1_IA5STRING_free(dns);
            goto out;
        }
        GENERAL_NAME_set0_value(gen, GEN_DNS, dns);
    }
    if (!sk_GENERAL_NAME_push(gens, gen))
        goto out;
    gen = NULL;
    ok = X509V3_add1_i2d(exts, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND) == 1;
out:
    GENERAL_NAME_free(gen);
    GENERAL_NAMES_free(gens);
    return ok;
}

/*
 * keyUsage (critical) and extendedKeyUsage per usage target (M7):
 *   none   KU digitalSignature, keyEncipherment; no EKU
 *   tls    + EKU serverAuth, clientAuth
 *   ipsec  + EKU ipsecIKE (RFC 4945)
 *   dot1x  + EKU clientAuth
 * The IPsec policy name is a local binding (stored with the key in the key
 * store); nothing policy-specific goes into the request.
 */
static int add_usage(STACK_OF(X509_EXTENSION) **exts, scep_usage usage)
{
    ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
    EXTENDED_KEY_USAGE *eku = NULL;
    int nids[2], n = 0, ok = 0;

    if (!ku || !ASN1_BIT_STRING_set_bit(ku, 0, 1) /* digitalSignature */
        || !ASN1_BIT_STRING_set_bit(ku, 2, 1))    /* keyEncipherment */
        goto out;
    if (X509V3_add1_i2d(exts, NID_key_usage, ku, 1, X509V3_ADD_APPEND) != 1)
        goto out;

    switch (usage) {
    case SCEP_USAGE_NONE:
        break;
    case SCEP_USAGE_TLS:
        nids[n++] = NID_server_auth;
        nids[n++] = NID_client_auth;
        break;
    case SCEP_USAGE_IPSEC:
        nids[n++] = NID_ipsec_IKE;
        break;
    case SCEP_USAGE_DOT1X:
        nids[n++] = NID_client_auth;
        break;
    }
    if (n) {
        eku = sk_ASN1_OBJECT_new_null();
        if (!eku)
            goto out;
        for (int i = 0; i < n; i++) {
            ASN1_OBJECT *o = OBJ_nid2obj(nids[i]);
            if (!o || !sk_ASN1_OBJECT_push(eku, o))
                goto out;
        }
        if (X509V3_add1_i2d(exts, NID_ext_key_usage, eku, 0, X509V3_ADD_APPEND) != 1)
            goto out;
    }
    ok = 1;
out:
    ASN1_BIT_STRING_free(ku);
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
    return ok;
}

scep_rc scep_csr_build(EVP_PKEY *k, const scep_params *p, X509_REQ **out, scep_error *e)
{
    STACK_OF(X509_EXTENSION) *exts = NULL;
    X509_REQ *req = NULL;
    const EVP_MD *md;
    const char *what;
    scep_rc rc = SCEP_OK;

    *out = NULL;
    if (!k || !p || !p->cn[0])
        return scep_error_set(e, SCEP_E_INVALID, "CSR needs a key and a common name");
    if (p->usage < SCEP_USAGE_NONE || p->usage > SCEP_USAGE_DOT1X)
        return scep_error_set(e, SCEP_E_INVALID, "unknown key usage target %d",
                              (int)p->usage);
    md = scep_hash_md(p->hash);
    if (!md)
        return scep_error_set(e, SCEP_E_INVALID, "unsupported signature hash %d",
                              (int)p->hash);

    req = X509_REQ_new_ex(scep_libctx(), NULL);
    what = "allocation";
    if (!req || !X509_REQ_set_version(req, X509_REQ_VERSION_1))
        goto fail;
    what = "subject";
    if (!add_subject(req, p))
        goto fail;
    what = "public key";
    if (!X509_REQ_set_pubkey(req, k))
        goto fail;
    what = "subjectAltName";
    if (!add_san(&exts, p->cn))
        goto fail;
    what = "key usage";
    if (!add_usage(&exts, p->usage))
        goto fail;
    what = "extension request";
    if (!X509_REQ_add_extensions(req, exts))
        goto fail;
    if (p->challenge[0]) {
        int type =
            is_printable_string(p->challenge) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
        what = "challengePassword";
        if (!X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, type,
                                       (const unsigned char *)p->challenge,
                                       (int)strlen(p->challenge)))
            goto fail;
    }
    what = "signature";
    if (X509_REQ_sign(req, k, md) <= 0)
        goto fail;
    *out = req;
    req = NULL;
    goto out;
fail:
    rc = scep_error_set(e, SCEP_E_CSR, "CSR %s failed", what);
    scep_error_add_openssl(e);
out:
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    return rc;
}
