/*
 * certrep.c - parse and check the server's CertRep (RFC 8894 section 3.3.2).
 *
 * Order of the checks (X6): DER / SignedData shape, CMS signature by the
 * expected signer (the CA or RA certificate we were given, nothing else),
 * messageType == CertRep, transactionID, recipientNonce == our senderNonce,
 * pkiStatus. FAILURE and PENDING are returned as SCEP_OK with out->status set;
 * the caller maps them to errors. On SUCCESS the pkcsPKIEnvelope is decrypted
 * with the key that signed the request and the degenerate certs-only PKCS#7
 * inside is searched for the certificate of the certified key.
 *
 * The signer certificate is not chain- or purpose-checked here (PKCS7_NOVERIFY):
 * it is pinned by the caller (GetCACert + fingerprint), and the Debian CA has
 * no digitalSignature key usage (TESTBED.md), so only the signature counts.
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/err.h>
#include <string.h>

#define OID_MESSAGE_TYPE    "2.16.840.1.113733.1.9.2"
#define OID_PKI_STATUS      "2.16.840.1.113733.1.9.3"
#define OID_FAIL_INFO       "2.16.840.1.113733.1.9.4"
#define OID_RECIPIENT_NONCE "2.16.840.1.113733.1.9.6"
#define OID_TRANSACTION_ID  "2.16.840.1.113733.1.9.7"
#define OID_FAIL_INFO_TEXT  "1.3.6.1.5.5.7.24.1"

/* The single value of a signed attribute, NULL when absent. */
static const ASN1_TYPE *get_attr(PKCS7_SIGNER_INFO *si, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    const ASN1_TYPE *v = NULL;
    int i;

    if (!obj)
        return NULL;
    i = X509at_get_attr_by_OBJ(si->auth_attr, obj, -1);
    if (i >= 0) {
        X509_ATTRIBUTE *a = X509at_get_attr(si->auth_attr, i);
        if (X509_ATTRIBUTE_count(a) == 1)
            v = X509_ATTRIBUTE_get0_type(a, 0);
    }
    ASN1_OBJECT_free(obj);
    return v;
}

/* Copy a string-valued attribute into buf; 0 when absent or not a string. */
static int get_string(PKCS7_SIGNER_INFO *si, const char *oid, char *buf, size_t n)
{
    const ASN1_TYPE *v = get_attr(si, oid);
    int len;

    if (!v || (v->type != V_ASN1_PRINTABLESTRING && v->type != V_ASN1_UTF8STRING &&
               v->type != V_ASN1_IA5STRING))
        return 0;
    len = ASN1_STRING_length(v->value.asn1_string);
    if (len < 0 || (size_t)len >= n)
        return 0;
    memcpy(buf, ASN1_STRING_get0_data(v->value.asn1_string), (size_t)len);
    buf[len] = '\0';
    if (strlen(buf) != (size_t)len) /* embedded NUL */
        return 0;
    return 1;
}

/* Copy a short string for an error text, replacing what is not printable. */
static void sanitize(const char *in, char *out, size_t n)
{
    size_t i;

    for (i = 0; in[i] && i + 1 < n; i++)
        out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
    out[i] = '\0';
}

/* A PKCS#7 from DER, bound to the private library context. */
static PKCS7 *d2i_ctx(const unsigned char *der, long len)
{
    PKCS7 *p7 = PKCS7_new_ex(scep_libctx(), NULL);

    if (p7 && !d2i_PKCS7(&p7, &der, len)) {
        PKCS7_free(p7);
        return NULL;
    }
    return p7;
}

/* Verify the SignedData against `signer` only; the signed content goes to *content. */
static scep_rc verify(PKCS7 *p7, X509 *signer, BIO **content, scep_error *e)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *in = NULL, *out = BIO_new(BIO_s_mem());
    scep_rc rc = SCEP_OK;

    *content = NULL;
    if (!certs || !out || !sk_X509_push(certs, signer)) {
        rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        goto out;
    }
    if (sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)) != 1) {
        rc = scep_error_set(e, SCEP_E_BAD_SIGNATURE, "CertRep has %d signers, expected 1",
                            sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)));
        goto out;
    }
    /* FAILURE/PENDING may carry no content: the signature covers "". */
    if (PKCS7_get_detached(p7)) {
        in = BIO_new_mem_buf("", 0);
        if (!in) {
            rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
            goto out;
        }
    }
    /* NOINTERN: the signer must be `signer` itself, not a certificate the
     * message carries; NOVERIFY: no chain/purpose check (see the top). */
    int flags = PKCS7_NOINTERN | PKCS7_NOVERIFY | PKCS7_BINARY;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* tests/fuzz only (configure --enable-fuzzing): mutated messages reach
     * the attributes, the envelope and the certificates. */
    flags |= PKCS7_NOSIGS;
#endif
    if (PKCS7_verify(p7, certs, NULL, in, out, flags) != 1) {
        rc = scep_error_set(e, SCEP_E_BAD_SIGNATURE, "CertRep signature check failed");
        scep_error_add_openssl(e);
        goto out;
    }
    *content = out;
    out = NULL;
out:
    BIO_free(in);
    BIO_free(out);
    sk_X509_free(certs);
    return rc;
}

static scep_rc read_status(PKCS7_SIGNER_INFO *si, scep_certrep *out, scep_error *e)
{
    char buf[16], text[256];

    if (!get_string(si, OID_PKI_STATUS, buf, sizeof buf))
        return scep_error_set(e, SCEP_E_MALFORMED, "CertRep without pkiStatus");
    if (!strcmp(buf, "0"))
        out->status = SCEP_STATUS_SUCCESS;
    else if (!strcmp(buf, "2"))
        out->status = SCEP_STATUS_FAILURE;
    else if (!strcmp(buf, "3"))
        out->status = SCEP_STATUS_PENDING;
    else {
        sanitize(buf, text, 16);
        return scep_error_set(e, SCEP_E_MALFORMED, "unknown pkiStatus \"%s\"", text);
    }
    if (out->status != SCEP_STATUS_FAILURE)
        return SCEP_OK;
    char unknown[16] = "";
    if (get_attr(si, OID_FAIL_INFO)) {
        buf[0] = '\0';
        size_t n = get_string(si, OID_FAIL_INFO, buf, sizeof buf) ? strlen(buf) : 0;
        if (n == 0 || n > 9 || strspn(buf, "0123456789") != n) {
            sanitize(buf, text, 16);
            return scep_error_set(e, SCEP_E_MALFORMED, "unknown failInfo \"%s\"", text);
        }
        if (n == 1 && buf[0] <= '4')
            out->fail_info = buf[0] - '0';
        else /* a number RFC 8894 does not define: still a FAILURE (7.3) */
            snprintf(unknown, sizeof unknown, "%s", buf);
    }
    text[0] = '\0';
    if (get_string(si, OID_FAIL_INFO_TEXT, text, sizeof text))
        sanitize(text, out->fail_info_text, sizeof out->fail_info_text);
    if (unknown[0]) {
        snprintf(text, sizeof text, "%s", out->fail_info_text);
        snprintf(out->fail_info_text, sizeof out->fail_info_text, "unknown failInfo %s%s%s",
                 unknown, text[0] ? ": " : "", text);
    }
    return SCEP_OK;
}

/* SUCCESS: decrypt the envelope and find the certificate of `want`. */
static scep_rc read_certs(BIO *content, EVP_PKEY *our_key, X509 *our_cert, EVP_PKEY *want,
                          scep_certrep *out, scep_error *e)
{
    PKCS7 *env = NULL, *deg = NULL;
    BIO *plain = BIO_new(BIO_s_mem());
    const unsigned char *data;
    STACK_OF(X509) *certs;
    long n;
    scep_rc rc = SCEP_OK;

    if (!plain)
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    n = BIO_get_mem_data(content, (char **)&data);
    env = n > 0 ? d2i_ctx(data, n) : NULL;
    if (!env || !PKCS7_type_is_enveloped(env)) {
        rc =
            scep_error_set(e, SCEP_E_MALFORMED, "CertRep content is not a pkcsPKIEnvelope");
        scep_error_add_openssl(e);
        goto out;
    }
    if (!PKCS7_decrypt(env, our_key, our_cert, plain, 0)) {
        rc = scep_error_set(e, SCEP_E_DECRYPT, "cannot decrypt the CertRep envelope");
        scep_error_add_openssl(e);
        goto out;
    }
    n = BIO_get_mem_data(plain, (char **)&data);
    deg = n > 0 ? d2i_ctx(data, n) : NULL;
    if (!deg || !PKCS7_type_is_signed(deg) || !deg->d.sign) {
        rc = scep_error_set(e, SCEP_E_MALFORMED,
                            "CertRep envelope holds no certs-only PKCS#7");
        scep_error_add_openssl(e);
        goto out;
    }
    certs = deg->d.sign->cert;
    if (sk_X509_num(certs) <= 0) {
        rc = scep_error_set(e, SCEP_E_MALFORMED, "CertRep SUCCESS without certificates");
        goto out;
    }
    out->certs = sk_X509_new_null();
    if (!out->certs) {
        rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        if (!sk_X509_push(out->certs, x)) {
            rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
            goto out;
        }
        X509_up_ref(x);
        if (!out->cert && EVP_PKEY_eq(X509_get0_pubkey(x), want) == 1) {
            X509_up_ref(x);
            out->cert = x;
        }
    }
    if (!out->cert)
        rc = scep_error_set(e, SCEP_E_CERT_MISMATCH,
                            "none of the %d certificates in the CertRep is for our key",
                            sk_X509_num(certs));
out:
    ERR_clear_error();
    PKCS7_free(deg);
    PKCS7_free(env);
    BIO_free(plain);
    return rc;
}

scep_rc scep_certrep_parse(const unsigned char *der, size_t len, X509 *signer,
                           const unsigned char sent_nonce[16], const char *transaction_id,
                           EVP_PKEY *our_key, X509 *our_cert, EVP_PKEY *new_key,
                           scep_certrep *out, scep_error *e)
{
    PKCS7 *p7 = NULL;
    PKCS7_SIGNER_INFO *si;
    BIO *content = NULL;
    const ASN1_TYPE *v;
    char buf[80], text[80];
    scep_rc rc;

    memset(out, 0, sizeof *out);
    out->fail_info = -1;
    if (!der || len == 0) /* the server answered 200 with no body */
        return scep_error_set(e, SCEP_E_MALFORMED, "empty CertRep");
    if (!signer || !sent_nonce || !transaction_id || !our_key || !our_cert)
        return scep_error_set(e, SCEP_E_INVALID,
                              "CertRep check needs signer, nonce, "
                              "transactionID, key and certificate");
    if (len == 0 || len > 0x7fffffff || !(p7 = d2i_ctx(der, (long)len))) {
        rc = scep_error_set(e, SCEP_E_MALFORMED, "CertRep is not DER PKCS#7");
        scep_error_add_openssl(e);
        return rc;
    }
    if (!PKCS7_type_is_signed(p7) || !p7->d.sign) {
        rc = scep_error_set(e, SCEP_E_MALFORMED, "CertRep is not a SignedData");
        goto out;
    }
    rc = verify(p7, signer, &content, e);
    if (rc)
        goto out;
    si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);

    if (!get_string(si, OID_MESSAGE_TYPE, buf, sizeof buf)) {
        rc = scep_error_set(e, SCEP_E_MALFORMED, "CertRep without messageType");
        goto out;
    }
    if (strcmp(buf, "3") != 0) {
        sanitize(buf, text, sizeof text);
        rc = scep_error_set(e, SCEP_E_MALFORMED, "messageType \"%s\" is not CertRep (3)",
                            text);
        goto out;
    }
    if (!get_string(si, OID_TRANSACTION_ID, out->transaction_id,
                    sizeof out->transaction_id)) {
        rc = scep_error_set(e, SCEP_E_TRANSID_MISMATCH,
                            "CertRep without a valid transactionID");
        goto out;
    }
    if (strcmp(out->transaction_id, transaction_id) != 0) {
        sanitize(out->transaction_id, text, sizeof text);
        rc = scep_error_set(e, SCEP_E_TRANSID_MISMATCH, "transactionID %s, expected %s",
                            text, transaction_id);
        goto out;
    }
    v = get_attr(si, OID_RECIPIENT_NONCE);
    if (!v || v->type != V_ASN1_OCTET_STRING) {
        rc = scep_error_set(e, SCEP_E_NONCE_MISMATCH, "CertRep without recipientNonce");
        goto out;
    }
    if (ASN1_STRING_length(v->value.octet_string) != 16 ||
        memcmp(ASN1_STRING_get0_data(v->value.octet_string), sent_nonce, 16) != 0) {
        rc = scep_error_set(e, SCEP_E_NONCE_MISMATCH,
                            "recipientNonce differs from our senderNonce");
        goto out;
    }
    rc = read_status(si, out, e);
    if (rc || out->status != SCEP_STATUS_SUCCESS)
        goto out;
    rc = read_certs(content, our_key, our_cert, new_key ? new_key : our_key, out, e);
out:
    ERR_clear_error();
    if (rc) {
        char tid[65];
        memcpy(tid, out->transaction_id, sizeof tid);
        scep_certrep_clear(out);
        memcpy(out->transaction_id, tid, sizeof tid);
    }
    BIO_free(content);
    PKCS7_free(p7);
    return rc;
}

void scep_certrep_clear(scep_certrep *r)
{
    if (!r)
        return;
    X509_free(r->cert);
    sk_X509_pop_free(r->certs, X509_free);
    memset(r, 0, sizeof *r);
    r->fail_info = -1;
}
