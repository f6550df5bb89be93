/*
 * test_msg.c - the pkiMessage round trip (built by libscep, decoded here as a
 * server would, with raw OpenSSL) and a minimal CertRep check (the full
 * CertRep matrix is in test_pkimsg.c). Fixture: csrfix.c.
 */
#include "config.h"

#include "csrfix.h"
#include "scep-int.h"
#include "scepsrv.h"
#include "testutil.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- pkiMessage round trip: decoded here as the server would -------------- */

static const ASN1_TYPE *attr_of(PKCS7_SIGNER_INFO *si, const char *oid)
{
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    int i = X509at_get_attr_by_OBJ(si->auth_attr, o, -1);
    ASN1_OBJECT_free(o);
    return i < 0 ? NULL : X509_ATTRIBUTE_get0_type(X509at_get_attr(si->auth_attr, i), 0);
}

static PKCS7 *p7_from(const unsigned char *der, size_t len)
{
    PKCS7 *p7 = PKCS7_new_ex(scep_libctx(), NULL);
    if (p7 && !d2i_PKCS7(&p7, &der, (long)len)) {
        PKCS7_free(p7);
        p7 = NULL;
    }
    return p7;
}

typedef struct decoded {
    char type[8], tid[80];
    unsigned char nonce[16];
    int md_nid, cipher_nid, n_certs;
    time_t signing_time;
    unsigned char *data; /* decrypted messageData */
    long data_len;
} decoded;

static int str_attr(PKCS7_SIGNER_INFO *si, const char *oid, char *buf, size_t n)
{
    const ASN1_TYPE *t = attr_of(si, oid);
    if (!t || t->type != V_ASN1_PRINTABLESTRING)
        return 0;
    snprintf(buf, n, "%.*s", ASN1_STRING_length(t->value.asn1_string),
             (const char *)ASN1_STRING_get0_data(t->value.asn1_string));
    return 1;
}

/* Verify with the certificate the message carries, read the attributes,
 * decrypt the envelope with the CA key. Returns 1 when all of it worked. */
static int server_decode(const unsigned char *der, size_t len, decoded *d)
{
    PKCS7 *p7 = p7_from(der, len), *env = NULL;
    BIO *content = BIO_new(BIO_s_mem()), *plain = BIO_new(BIO_s_mem());
    PKCS7_SIGNER_INFO *si;
    const ASN1_TYPE *t;
    unsigned char *p;
    long n;
    int ok = 0;

    memset(d, 0, sizeof *d);
    if (!p7 || !PKCS7_type_is_signed(p7) ||
        PKCS7_verify(p7, NULL, NULL, NULL, content, PKCS7_NOVERIFY | PKCS7_BINARY) != 1)
        goto out;
    d->n_certs = sk_X509_num(p7->d.sign->cert);
    si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);
    d->md_nid = OBJ_obj2nid(si->digest_alg->algorithm);
    t = PKCS7_get_signed_attribute(si, NID_pkcs9_contentType);
    if (!t || t->type != V_ASN1_OBJECT || OBJ_obj2nid(t->value.object) != NID_pkcs7_data)
        goto out;
    t = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
    if (!t || t->type != V_ASN1_UTCTIME ||
        !PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest))
        goto out;
    d->signing_time = tu_asn1_time(t->value.utctime);
    if (!str_attr(si, SCEPSRV_OID_MESSAGE_TYPE, d->type, sizeof d->type) ||
        !str_attr(si, SCEPSRV_OID_TRANSACTION_ID, d->tid, sizeof d->tid))
        goto out;
    t = attr_of(si, SCEPSRV_OID_SENDER_NONCE);
    if (!t || t->type != V_ASN1_OCTET_STRING ||
        ASN1_STRING_length(t->value.octet_string) != 16)
        goto out;
    memcpy(d->nonce, ASN1_STRING_get0_data(t->value.octet_string), 16);
    n = BIO_get_mem_data(content, (char **)&p);
    env = p7_from(p, (size_t)n);
    if (!env || !PKCS7_type_is_enveloped(env))
        goto out;
    d->cipher_nid = OBJ_obj2nid(env->d.enveloped->enc_data->algorithm->algorithm);
    if (!PKCS7_decrypt(env, ca_key, ca_cert, plain, 0))
        goto out;
    n = BIO_get_mem_data(plain, (char **)&p);
    d->data = malloc((size_t)n + 1);
    memcpy(d->data, p, (size_t)n);
    d->data_len = n;
    ok = 1;
out:
    if (!ok)
        ERR_print_errors_fp(stderr);
    PKCS7_free(env);
    PKCS7_free(p7);
    BIO_free(content);
    BIO_free(plain);
    return ok;
}

/* Build a request of `type`; signer = self-signed cert of key1024. */
static unsigned char *build(int type, const char *digest, const char *cipher, X509_REQ *csr,
                            X509 *self, scep_msg_in *m, size_t *len)
{
    unsigned char *der = NULL;
    scep_error e;

    memset(m, 0, sizeof *m);
    m->type = type;
    m->csr = type == SCEP_MSG_CERTPOLL ? NULL : csr;
    m->poll_subject = X509_REQ_get_subject_name(csr);
    m->signer_cert = self;
    m->signer_key = key1024;
    m->recipient = ca_cert;
    m->ca = ca_cert;
    m->digest = digest;
    m->cipher = cipher;
    scep_error_clear(&e);
    scep_rc rc = scep_msg_build(m, &der, len, &e);
    CU_ASSERT_EQUAL(rc, SCEP_OK);
    if (rc)
        fprintf(stderr, "msg_build %s/%s: %s\n", digest, cipher, e.text);
    return der;
}

static void test_msg_roundtrip(void)
{
    static const struct {
        const char *name;
        int nid;
    } ciphers[] = {{"AES-128-CBC", NID_aes_128_cbc},
                   {"AES-256-CBC", NID_aes_256_cbc},
                   {"DES-EDE3-CBC", NID_des_ede3_cbc},
                   {"DES-CBC", NID_des_cbc}};
    static const struct {
        const char *name;
        int nid;
    } digests[] = {{"SHA1", NID_sha1}, {"SHA256", NID_sha256}, {"SHA512", NID_sha512}};
    static const int types[] = {SCEP_MSG_PKCSREQ, SCEP_MSG_RENEWALREQ, SCEP_MSG_CERTPOLL};
    X509_REQ *csr =
        csrfix_csr("Org", "host.example", "pw", SCEP_USAGE_TLS, SCEP_HASH_SHA256);
    X509 *self = NULL;
    scep_error e;
    unsigned char *csr_der = NULL;
    int csr_len = i2d_X509_REQ(csr, &csr_der);
    char tid[65];
    unsigned char prev_nonce[16] = {0};

    CU_ASSERT_EQUAL_FATAL(scep_selfsigned(key1024, csr, &self, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_transaction_id(key1024, tid), SCEP_OK);
    for (size_t c = 0; c < 4; c++) {
        for (size_t t = 0; t < 3; t++) {
            size_t len = 0, di = (c + t) % 3;
            scep_msg_in m;
            decoded d;
            unsigned char *der =
                build(types[t], digests[di].name, ciphers[c].name, csr, self, &m, &len);
            CU_ASSERT_PTR_NOT_NULL_FATAL(der);
            CU_ASSERT_FATAL(server_decode(der, len, &d));
            CU_ASSERT_EQUAL(atoi(d.type), types[t]);
            CU_ASSERT_STRING_EQUAL(d.tid, tid);
            CU_ASSERT_STRING_EQUAL(m.transaction_id, tid);
            CU_ASSERT(memcmp(d.nonce, m.sender_nonce, 16) == 0);
            CU_ASSERT(memcmp(d.nonce, prev_nonce, 16) != 0); /* fresh each time */
            memcpy(prev_nonce, d.nonce, 16);
            CU_ASSERT_EQUAL(d.md_nid, digests[di].nid);
            CU_ASSERT_EQUAL(d.cipher_nid, ciphers[c].nid);
            CU_ASSERT_EQUAL(d.n_certs, 1);
            if (types[t] != SCEP_MSG_CERTPOLL) {
                CU_ASSERT_EQUAL(d.data_len, csr_len);
                CU_ASSERT(d.data_len == csr_len &&
                          !memcmp(d.data, csr_der, (size_t)csr_len));
            }
            free(d.data);
            OPENSSL_free(der);
        }
    }
    OPENSSL_free(csr_der);
    X509_free(self);
    X509_REQ_free(csr);
}

static void test_msg_certpoll(void)
{
    X509_REQ *csr =
        csrfix_csr("Org", "poll.example", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    X509 *self = NULL;
    scep_error e;
    scep_msg_in m;
    decoded d;
    size_t len;

    CU_ASSERT_EQUAL_FATAL(scep_selfsigned(key1024, csr, &self, &e), SCEP_OK);
    memset(&m, 0, sizeof m);
    unsigned char *der =
        build(SCEP_MSG_CERTPOLL, "SHA256", "AES-128-CBC", csr, self, &m, &len);
    OPENSSL_free(der);
    /* a given transactionID is kept (the original PKCSReq's) */
    memset(&m, 0, sizeof m);
    m.type = SCEP_MSG_CERTPOLL;
    m.poll_subject = X509_REQ_get_subject_name(csr);
    m.signer_cert = self;
    m.signer_key = key1024;
    m.recipient = m.ca = ca_cert;
    strcpy(m.transaction_id, "0123abcd");
    scep_set_clock(csrfix_fixed_clock, NULL); /* signingTime is wall-clock time */
    CU_ASSERT_EQUAL_FATAL(scep_msg_build(&m, &der, &len, &e), SCEP_OK);
    scep_set_clock(NULL, NULL);
    CU_ASSERT_FATAL(server_decode(der, len, &d));
    CU_ASSERT(d.signing_time > time(NULL) - 60 && d.signing_time <= time(NULL));
    CU_ASSERT_STRING_EQUAL(d.tid, "0123abcd");
    CU_ASSERT_EQUAL(d.md_nid, NID_sha256); /* defaults */
    CU_ASSERT_EQUAL(d.cipher_nid, NID_aes_256_cbc);
    /* IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name } */
    const unsigned char *p = d.data;
    long olen;
    int tag, xclass;
    CU_ASSERT_EQUAL(ASN1_get_object(&p, &olen, &tag, &xclass, d.data_len),
                    V_ASN1_CONSTRUCTED);
    CU_ASSERT_EQUAL(tag, V_ASN1_SEQUENCE);
    CU_ASSERT_EQUAL(p + olen, d.data + d.data_len);
    X509_NAME *iss = d2i_X509_NAME(NULL, &p, olen);
    X509_NAME *sub = d2i_X509_NAME(NULL, &p, d.data + d.data_len - p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(iss);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sub);
    CU_ASSERT_EQUAL(p, d.data + d.data_len);
    CU_ASSERT_EQUAL(X509_NAME_cmp(iss, X509_get_subject_name(ca_cert)), 0);
    CU_ASSERT_EQUAL(X509_NAME_cmp(sub, X509_REQ_get_subject_name(csr)), 0);
    X509_NAME_free(iss);
    X509_NAME_free(sub);
    free(d.data);
    OPENSSL_free(der);
    X509_free(self);
    X509_REQ_free(csr);
}

static void test_msg_invalid(void)
{
    X509_REQ *csr = csrfix_csr("", "h.example", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    X509 *self = NULL;
    scep_error e;
    scep_msg_in m;
    unsigned char *der = NULL;
    size_t len = 0;

    CU_ASSERT_EQUAL_FATAL(scep_selfsigned(key1024, csr, &self, &e), SCEP_OK);
    memset(&m, 0, sizeof m);
    m.type = 42;
    m.csr = csr;
    m.signer_cert = self;
    m.signer_key = key1024;
    m.recipient = ca_cert;
    CU_ASSERT_EQUAL(scep_msg_build(&m, &der, &len, &e), SCEP_E_INVALID);
    m.type = SCEP_MSG_PKCSREQ;
    m.csr = NULL;
    CU_ASSERT_EQUAL(scep_msg_build(&m, &der, &len, &e), SCEP_E_INVALID);
    m.type = SCEP_MSG_CERTPOLL; /* no subject */
    CU_ASSERT_EQUAL(scep_msg_build(&m, &der, &len, &e), SCEP_E_INVALID);
    m.type = SCEP_MSG_PKCSREQ;
    m.csr = csr;
    m.cipher = "NO-SUCH-CIPHER";
    CU_ASSERT_EQUAL(scep_msg_build(&m, &der, &len, &e), SCEP_E_CRYPTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "NO-SUCH-CIPHER"));
    m.cipher = NULL;
    m.digest = "NO-SUCH-DIGEST";
    CU_ASSERT_EQUAL(scep_msg_build(&m, &der, &len, &e), SCEP_E_CRYPTO);
    CU_ASSERT_PTR_NULL(der);
    X509_free(self);
    X509_REQ_free(csr);
}

/* ---- CertRep (minimal; the full matrix is in test_pkimsg.c) --------------- */

typedef struct rep_spec {
    const char *status, *failinfo, *failtext, *msgtype, *tid;
    const unsigned char *rnonce;
    X509 *sign_cert, *rcpt;
    EVP_PKEY *sign_key;
    X509 *certs[2];
    int detached;
} rep_spec;

static void add_str(PKCS7_SIGNER_INFO *si, const char *oid, int type, const void *v, int n)
{
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    CU_ASSERT_PTR_NOT_NULL(X509at_add1_attr_by_OBJ(&si->auth_attr, o, type, v, n));
    ASN1_OBJECT_free(o);
}

static unsigned char *make_certrep(const rep_spec *s, size_t *len)
{
    unsigned char *deg_der = NULL, *env_der = NULL, *out = NULL;
    int deg_len = 0, env_len = 0;
    PKCS7 *p7;
    BIO *in;

    if (s->certs[0]) {
        PKCS7 *deg = PKCS7_new();
        PKCS7_set_type(deg, NID_pkcs7_signed);
        PKCS7_content_new(deg, NID_pkcs7_data);
        for (int i = 0; i < 2 && s->certs[i]; i++)
            PKCS7_add_certificate(deg, s->certs[i]);
        deg_len = i2d_PKCS7(deg, &deg_der);
        PKCS7_free(deg);
        STACK_OF(X509) *r = sk_X509_new_null();
        sk_X509_push(r, s->rcpt);
        EVP_CIPHER *des = EVP_CIPHER_fetch(scep_libctx(), "DES-CBC", NULL);
        in = BIO_new_mem_buf(deg_der, deg_len);
        PKCS7 *env = PKCS7_encrypt_ex(r, in, des, PKCS7_BINARY, scep_libctx(), NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(env);
        env_len = i2d_PKCS7(env, &env_der);
        PKCS7_free(env);
        BIO_free(in);
        EVP_CIPHER_free(des);
        sk_X509_free(r);
        OPENSSL_free(deg_der);
    }
    p7 = PKCS7_new_ex(scep_libctx(), NULL);
    PKCS7_set_type(p7, NID_pkcs7_signed);
    PKCS7_content_new(p7, NID_pkcs7_data);
    PKCS7_SIGNER_INFO *si =
        PKCS7_sign_add_signer(p7, s->sign_cert, s->sign_key, EVP_sha1(),
                              PKCS7_BINARY | PKCS7_NOSMIMECAP | PKCS7_PARTIAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(si);
    const char *mt = s->msgtype ? s->msgtype : "3";
    add_str(si, SCEPSRV_OID_MESSAGE_TYPE, V_ASN1_PRINTABLESTRING, mt, (int)strlen(mt));
    add_str(si, SCEPSRV_OID_PKI_STATUS, V_ASN1_PRINTABLESTRING, s->status,
            (int)strlen(s->status));
    add_str(si, SCEPSRV_OID_TRANSACTION_ID, V_ASN1_PRINTABLESTRING, s->tid,
            (int)strlen(s->tid));
    if (s->rnonce) {
        add_str(si, SCEPSRV_OID_RECIPIENT_NONCE, V_ASN1_OCTET_STRING, s->rnonce, 16);
        add_str(si, SCEPSRV_OID_SENDER_NONCE, V_ASN1_OCTET_STRING, s->rnonce, 16);
    }
    if (s->failinfo)
        add_str(si, SCEPSRV_OID_FAIL_INFO, V_ASN1_PRINTABLESTRING, s->failinfo,
                (int)strlen(s->failinfo));
    if (s->failtext)
        add_str(si, SCEPSRV_OID_FAIL_INFO_TEXT, V_ASN1_UTF8STRING, s->failtext,
                (int)strlen(s->failtext));
    in = BIO_new_mem_buf(env_der ? (const void *)env_der : "", env_len);
    CU_ASSERT_FATAL(PKCS7_final(p7, in, PKCS7_BINARY));
    if (s->detached)
        PKCS7_set_detached(p7, 1);
    *len = (size_t)i2d_PKCS7(p7, &out);
    BIO_free(in);
    PKCS7_free(p7);
    OPENSSL_free(env_der);
    return out;
}

/* A certificate for the CSR's key, issued by the local CA. */
static X509 *issue(X509_REQ *csr, EVP_PKEY *pub)
{
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_set_version(x, X509_VERSION_3);
    X509_set_subject_name(x, X509_REQ_get_subject_name(csr));
    X509_set_issuer_name(x, X509_get_subject_name(ca_cert));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pub);
    CU_ASSERT(X509_sign(x, ca_key, EVP_sha256()) > 0);
    return x;
}

typedef struct rep_env {
    X509_REQ *csr;
    X509 *self, *issued;
    char tid[65];
    unsigned char nonce[16];
} rep_env;

static void env_init(rep_env *r)
{
    scep_error e;
    r->csr = csrfix_csr("Org", "rep.example", "pw", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    CU_ASSERT_EQUAL(scep_selfsigned(key1024, r->csr, &r->self, &e), SCEP_OK);
    r->issued = issue(r->csr, key1024);
    scep_transaction_id(key1024, r->tid);
    scep_random(r->nonce, sizeof r->nonce);
}

static void env_free(rep_env *r)
{
    X509_REQ_free(r->csr);
    X509_free(r->self);
    X509_free(r->issued);
}

static scep_rc parse(const rep_spec *s, const rep_env *r, EVP_PKEY *new_key,
                     scep_certrep *out, scep_error *e)
{
    size_t len = 0;
    unsigned char *der = make_certrep(s, &len);
    scep_error_clear(e);
    scep_rc rc = scep_certrep_parse(der, len, ca_cert, r->nonce, r->tid, key1024, r->self,
                                    new_key, out, e);
    OPENSSL_free(der);
    return rc;
}

static void test_certrep_success(void)
{
    rep_env r;
    scep_certrep out;
    scep_error e;
    env_init(&r);
    rep_spec s = {.status = "0",
                  .tid = r.tid,
                  .rnonce = r.nonce,
                  .sign_cert = ca_cert,
                  .sign_key = ca_key,
                  .rcpt = r.self,
                  .certs = {ca_cert, r.issued}};
    CU_ASSERT_EQUAL_FATAL(parse(&s, &r, NULL, &out, &e), SCEP_OK);
    CU_ASSERT_EQUAL(out.status, SCEP_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(out.fail_info, -1);
    CU_ASSERT_STRING_EQUAL(out.transaction_id, r.tid);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.cert);
    CU_ASSERT_EQUAL(X509_cmp(out.cert, r.issued), 0);
    CU_ASSERT_EQUAL(sk_X509_num(out.certs), 2);
    scep_certrep_clear(&out);
    CU_ASSERT_PTR_NULL(out.cert);

    /* RenewalReq: decrypted with the signer (old) key, the cert is for new_key */
    EVP_PKEY *nk = NULL;
    char path[4096];
    tu_fixture_path(path, sizeof path, "csr-rsa1024-pkcs8.pem");
    CU_ASSERT_EQUAL_FATAL(scep_key_load(path, &nk, &e), SCEP_OK);
    X509 *renewed = issue(r.csr, nk);
    s.certs[1] = renewed;
    CU_ASSERT_EQUAL(parse(&s, &r, nk, &out, &e), SCEP_OK);
    CU_ASSERT(out.cert && X509_cmp(out.cert, renewed) == 0);
    scep_certrep_clear(&out);
    /* ... and without new_key the certificate is not ours */
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_CERT_MISMATCH);
    CU_ASSERT_PTR_NULL(out.cert);
    CU_ASSERT_PTR_NULL(out.certs);
    X509_free(renewed);
    EVP_PKEY_free(nk);
    env_free(&r);
}

static void test_certrep_failure(void)
{
    rep_env r;
    scep_certrep out;
    scep_error e;
    env_init(&r);
    rep_spec s = {.status = "2",
                  .failinfo = "2",
                  .failtext = "challenge\nrefused",
                  .tid = r.tid,
                  .rnonce = r.nonce,
                  .sign_cert = ca_cert,
                  .sign_key = ca_key,
                  .detached = 1};
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_OK);
    CU_ASSERT_EQUAL(out.status, SCEP_STATUS_FAILURE);
    CU_ASSERT_EQUAL(out.fail_info, 2);
    CU_ASSERT_STRING_EQUAL(out.fail_info_text, "challenge?refused");
    CU_ASSERT_PTR_NULL(out.cert);
    s.detached = 0; /* with an empty content */
    s.failinfo = "4";
    s.failtext = NULL;
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_OK);
    CU_ASSERT_EQUAL(out.fail_info, 4);
    CU_ASSERT_STRING_EQUAL(out.fail_info_text, "");
    s.failinfo = "9"; /* not defined by RFC 8894: a FAILURE, its number in the text */
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_OK);
    CU_ASSERT_EQUAL(out.status, SCEP_STATUS_FAILURE);
    CU_ASSERT_EQUAL(out.fail_info, -1);
    CU_ASSERT_STRING_EQUAL(out.fail_info_text, "unknown failInfo 9");
    s.failinfo = "x9"; /* not a number at all: malformed */
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_MALFORMED);
    s.failinfo = NULL;
    s.status = "3";
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_OK);
    CU_ASSERT_EQUAL(out.status, SCEP_STATUS_PENDING);
    CU_ASSERT_EQUAL(out.fail_info, -1);
    s.status = "1";
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_MALFORMED);
    env_free(&r);
}

static void test_certrep_checks(void)
{
    rep_env r;
    scep_certrep out;
    scep_error e;
    unsigned char other[16];
    env_init(&r);
    rep_spec ok = {.status = "0",
                   .tid = r.tid,
                   .rnonce = r.nonce,
                   .sign_cert = ca_cert,
                   .sign_key = ca_key,
                   .rcpt = r.self,
                   .certs = {r.issued}};
    rep_spec s = ok;

    /* garbage and a PKCS#7 that is not SignedData */
    static const unsigned char junk[] = "<html>500</html>";
    CU_ASSERT_EQUAL(scep_certrep_parse(junk, sizeof junk, ca_cert, r.nonce, r.tid, key1024,
                                       r.self, NULL, &out, &e),
                    SCEP_E_MALFORMED);
    /* signed by someone else, even with the CA's issuer and serial */
    s.sign_cert = r.self;
    s.sign_key = key1024;
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_BAD_SIGNATURE);
    X509 *fake = X509_dup(ca_cert);
    X509_set_pubkey(fake, key1024);
    X509_sign(fake, key1024, EVP_sha256());
    s.sign_cert = fake;
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_BAD_SIGNATURE);
    X509_free(fake);
    /* an EnvelopedData is PKCS#7 but not SignedData */
    s = ok;
    size_t len;
    unsigned char *der = make_certrep(&s, &len);
    PKCS7 *p7 = p7_from(der, len);
    OPENSSL_free(der);
    der = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p7);
    ASN1_OCTET_STRING *os = p7->d.sign->contents->d.data;
    CU_ASSERT_EQUAL(scep_certrep_parse(os->data, (size_t)os->length, ca_cert, r.nonce,
                                       r.tid, key1024, r.self, NULL, &out, &e),
                    SCEP_E_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "not a SignedData"));
    PKCS7_free(p7);
    s = ok;
    s.msgtype = "19";
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_MALFORMED);
    s = ok;
    s.tid = "abc";
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_TRANSID_MISMATCH);
    s = ok;
    memcpy(other, r.nonce, 16);
    other[7] ^= 0x80;
    s.rnonce = other;
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_NONCE_MISMATCH);
    s.rnonce = NULL;
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_NONCE_MISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "without recipientNonce"));
    /* only the CA certificate: none is ours (more in test_pkimsg.c) */
    s = ok;
    s.certs[0] = ca_cert;
    CU_ASSERT_EQUAL(parse(&s, &r, NULL, &out, &e), SCEP_E_CERT_MISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "1 certificates"));
    env_free(&r);
}

int main(void)
{
    return tu_run_fixture("msg",
                          (tu_case[]){{"pkiMessage round trip", test_msg_roundtrip},
                                      {"CertPoll IssuerAndSubject", test_msg_certpoll},
                                      {"pkiMessage bad input", test_msg_invalid},
                                      {"CertRep SUCCESS (DES)", test_certrep_success},
                                      {"CertRep FAILURE", test_certrep_failure},
                                      {"CertRep checks", test_certrep_checks},
                                      {NULL, NULL}},
                          csrfix_init, csrfix_cleanup);
}
