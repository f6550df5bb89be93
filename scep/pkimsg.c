/*
 * pkimsg.c - the client's pkiMessage (RFC 8894 section 3): PKCSReq (19),
 * RenewalReq (17) and CertPoll (20).
 *
 *   SignedData (signer cert included, digest m->digest) {
 *     content: data = DER of EnvelopedData (pkcsPKIEnvelope) for the CA/RA,
 *              content cipher m->cipher, holding the messageData
 *              (DER CSR, or IssuerAndSubject for CertPoll)
 *     signed attributes: contentType, messageDigest, signingTime,
 *              transactionID, messageType, senderNonce
 *   }
 *
 * Everything is built in the private library context (scep_libctx()) so that
 * DES (legacy provider) is available and fetched algorithms come from there.
 * The SCEP attributes are handled by OID (no NIDs are registered, so there is
 * no process-wide state to set up).
 *
 * signingTime and the validity of the self-signed signer use the wall clock,
 * not the injectable scheduler clock (scep_now()): the server compares them with
 * its own time (failInfo badTime), so a test moving the scheduler's time must
 * not change what goes on the wire.
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OID_MESSAGE_TYPE   "2.16.840.1.113733.1.9.2"
#define OID_SENDER_NONCE   "2.16.840.1.113733.1.9.5"
#define OID_TRANSACTION_ID "2.16.840.1.113733.1.9.7"

scep_rc scep_transaction_id(EVP_PKEY *k, char out[65])
{
    unsigned char *spki = NULL, md[32];
    unsigned int mdlen = 0;
    const EVP_MD *sha256 = scep_libctx_digest("SHA256");
    int n;

    out[0] = '\0';
    if (!k || !sha256)
        return SCEP_E_INVALID;
    n = i2d_PUBKEY(k, &spki);
    if (n <= 0)
        return SCEP_E_CRYPTO;
    if (!EVP_Digest(spki, (size_t)n, md, &mdlen, sha256, NULL) || mdlen != sizeof md) {
        OPENSSL_free(spki);
        return SCEP_E_CRYPTO;
    }
    OPENSSL_free(spki);
    scep_hex(md, sizeof md, 0, 0, out, 65);
    return SCEP_OK;
}

/* RFC 8894 2.3: the keyUsage of the self-signed certificate MUST say
 * digitalSignature and keyEncipherment (the key is RSA: both apply). */
static int add_signer_key_usage(X509 *x)
{
    ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
    int ok = ku && ASN1_BIT_STRING_set_bit(ku, 0, 1) && /* digitalSignature */
             ASN1_BIT_STRING_set_bit(ku, 2, 1) &&       /* keyEncipherment */
             X509_add1_ext_i2d(x, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT) == 1;
    ASN1_BIT_STRING_free(ku);
    return ok;
}

scep_rc scep_selfsigned(EVP_PKEY *k, const X509_REQ *csr, X509 **out, scep_error *e)
{
    X509 *x = NULL;
    ASN1_INTEGER *serial = NULL;
    BIGNUM *bn = NULL;
    unsigned char rnd[16];
    const EVP_MD *md = scep_libctx_digest("SHA256");
    time_t now = time(NULL); /* wall clock, see the top of the file */
    scep_rc rc = SCEP_OK;

    *out = NULL;
    if (!k || !csr || !md)
        return scep_error_set(e, SCEP_E_INVALID,
                              "self-signed certificate needs a key and a CSR");
    if (scep_random(rnd, sizeof rnd) != 0)
        return scep_error_set(e, SCEP_E_CRYPTO, "no random bytes for the serial number");
    rnd[0] &= 0x7f; /* positive */
    rnd[0] |= 0x40; /* and of a fixed length */

    x = X509_new_ex(scep_libctx(), NULL);
    bn = BN_bin2bn(rnd, sizeof rnd, NULL);
    serial = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    if (!x || !serial || !X509_set_version(x, X509_VERSION_3) ||
        !X509_set_serialNumber(x, serial) ||
        !X509_set_subject_name(x, X509_REQ_get_subject_name(csr)) ||
        !X509_set_issuer_name(x, X509_REQ_get_subject_name(csr)) ||
        !X509_time_adj_ex(X509_getm_notBefore(x), 0, -3600, &now) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), 1, 0, &now) || !X509_set_pubkey(x, k) ||
        !add_signer_key_usage(x) || X509_sign(x, k, md) <= 0) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot build the self-signed certificate");
        scep_error_add_openssl(e);
        goto out;
    }
    *out = x;
    x = NULL;
out:
    X509_free(x);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return rc;
}

/* IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name } (CertPoll). */
static int issuer_and_subject(const X509_NAME *issuer, const X509_NAME *subject,
                              unsigned char **der, size_t *len)
{
    int li = i2d_X509_NAME(issuer, NULL);
    int ls = i2d_X509_NAME(subject, NULL);
    int total;
    unsigned char *buf, *p;

    if (li <= 0 || ls <= 0)
        return 0;
    total = ASN1_object_size(1, li + ls, V_ASN1_SEQUENCE);
    if (total <= 0 || !(buf = OPENSSL_malloc((size_t)total)))
        return 0;
    p = buf;
    ASN1_put_object(&p, 1, li + ls, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
    if (i2d_X509_NAME(issuer, &p) != li || i2d_X509_NAME(subject, &p) != ls) {
        OPENSSL_free(buf);
        return 0;
    }
    *der = buf;
    *len = (size_t)total;
    return 1;
}

/* pkcsPKIEnvelope: EnvelopedData of the messageData for the recipient. */
static scep_rc envelope(const unsigned char *data, size_t len, X509 *recipient,
                        const char *cipher_name, unsigned char **der, int *der_len,
                        scep_error *e)
{
    STACK_OF(X509) *rcpt = sk_X509_new_null();
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(scep_libctx(), cipher_name, NULL);
    BIO *in = BIO_new_mem_buf(data, (int)len);
    PKCS7 *p7 = NULL;
    scep_rc rc = SCEP_OK;

    *der = NULL;
    if (!cipher) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "content cipher %s unavailable", cipher_name);
        scep_error_add_openssl(e);
        goto out;
    }
    if (!rcpt || !in || !sk_X509_push(rcpt, recipient)) {
        rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        goto out;
    }
    p7 = PKCS7_encrypt_ex(rcpt, in, cipher, PKCS7_BINARY, scep_libctx(), NULL);
    if (!p7 || (*der_len = i2d_PKCS7(p7, der)) <= 0) {
        *der = NULL;
        rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot envelope the message for the CA");
        scep_error_add_openssl(e);
    }
out:
    PKCS7_free(p7);
    BIO_free(in);
    sk_X509_free(rcpt); /* the certificate itself is not ours */
    EVP_CIPHER_free(cipher);
    return rc;
}

static int add_attr(PKCS7_SIGNER_INFO *si, const char *oid, int type, const void *data,
                    int len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int ok = obj && X509at_add1_attr_by_OBJ(&si->auth_attr, obj, type, data, len) != NULL;

    ASN1_OBJECT_free(obj);
    return ok;
}

/* SignedData around the envelope, with the SCEP signed attributes. */
static scep_rc sign(scep_msg_in *m, const unsigned char *env, int env_len,
                    unsigned char **der, size_t *len, scep_error *e)
{
    const char *dname = m->digest ? m->digest : "SHA256";
    EVP_MD *md = EVP_MD_fetch(scep_libctx(), dname, NULL);
    PKCS7 *p7 = PKCS7_new_ex(scep_libctx(), NULL);
    PKCS7_SIGNER_INFO *si;
    ASN1_TIME *t = NULL;
    BIO *in = NULL;
    char type[8];
    unsigned char *out = NULL;
    int n;
    scep_rc rc = SCEP_OK;

    if (!md) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "digest %s unavailable", dname);
        scep_error_add_openssl(e);
        goto out;
    }
    snprintf(type, sizeof type, "%d", m->type);
    if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed) ||
        !PKCS7_content_new(p7, NID_pkcs7_data))
        goto fail;
    si = PKCS7_sign_add_signer(p7, m->signer_cert, m->signer_key, md,
                               PKCS7_BINARY | PKCS7_NOSMIMECAP | PKCS7_PARTIAL);
    if (!si)
        goto fail;
    t = X509_time_adj_ex(NULL, 0, 0, &(time_t){time(NULL)});
    if (!t || !PKCS7_add0_attrib_signing_time(si, t))
        goto fail;
    t = NULL;
    if (!add_attr(si, OID_TRANSACTION_ID, V_ASN1_PRINTABLESTRING, m->transaction_id,
                  (int)strlen(m->transaction_id)) ||
        !add_attr(si, OID_MESSAGE_TYPE, V_ASN1_PRINTABLESTRING, type, (int)strlen(type)) ||
        !add_attr(si, OID_SENDER_NONCE, V_ASN1_OCTET_STRING, m->sender_nonce,
                  (int)sizeof m->sender_nonce))
        goto fail;
    in = BIO_new_mem_buf(env, env_len);
    if (!in || !PKCS7_final(p7, in, PKCS7_BINARY))
        goto fail;
    n = i2d_PKCS7(p7, &out);
    if (n <= 0)
        goto fail;
    *der = out;
    *len = (size_t)n;
    goto out;
fail:
    rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot sign the pkiMessage");
    scep_error_add_openssl(e);
out:
    ASN1_TIME_free(t);
    BIO_free(in);
    PKCS7_free(p7);
    EVP_MD_free(md);
    return rc;
}

scep_rc scep_msg_build(scep_msg_in *m, unsigned char **der, size_t *len, scep_error *e)
{
    unsigned char *data = NULL, *env = NULL, *out = NULL;
    size_t data_len = 0, out_len = 0;
    int env_len = 0, n;
    scep_rc rc;

    *der = NULL;
    *len = 0;
    if (!m || !m->signer_cert || !m->signer_key || !m->recipient)
        return scep_error_set(e, SCEP_E_INVALID,
                              "pkiMessage needs a signer and a recipient");
    switch (m->type) {
    case SCEP_MSG_PKCSREQ:
    case SCEP_MSG_RENEWALREQ:
        if (!m->csr)
            return scep_error_set(e, SCEP_E_INVALID, "PKCSReq/RenewalReq needs a CSR");
        n = i2d_X509_REQ(m->csr, &data);
        if (n <= 0) {
            rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot encode the CSR");
            scep_error_add_openssl(e);
            return rc;
        }
        data_len = (size_t)n;
        break;
    case SCEP_MSG_CERTPOLL:
        if (!m->ca || !m->poll_subject)
            return scep_error_set(e, SCEP_E_INVALID,
                                  "CertPoll needs the CA and the subject");
        if (!issuer_and_subject(X509_get_subject_name(m->ca), m->poll_subject, &data,
                                &data_len)) {
            rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot encode IssuerAndSubject");
            scep_error_add_openssl(e);
            return rc;
        }
        break;
    default:
        return scep_error_set(e, SCEP_E_INVALID, "unknown pkiMessage type %d", m->type);
    }

    if (!m->transaction_id[0]) {
        /* The key being certified (CSR), else the signer's (CertPoll). */
        EVP_PKEY *k = m->csr ? X509_REQ_get0_pubkey(m->csr) : m->signer_key;
        if (scep_transaction_id(k, m->transaction_id) != SCEP_OK) {
            rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot compute the transactionID");
            scep_error_add_openssl(e);
            goto out;
        }
    }
    if (scep_random(m->sender_nonce, sizeof m->sender_nonce) != 0) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "no random bytes for the senderNonce");
        goto out;
    }

    rc = envelope(data, data_len, m->recipient, m->cipher ? m->cipher : "AES-256-CBC", &env,
                  &env_len, e);
    if (rc)
        goto out;
    rc = sign(m, env, env_len, &out, &out_len, e);
    if (rc)
        goto out;
    *der = out;
    *len = out_len;
out:
    OPENSSL_free(data);
    OPENSSL_free(env);
    return rc;
}
