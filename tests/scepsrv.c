/*
 * scepsrv.c - the server side of SCEP for the tests (see scepsrv.h).
 *
 * Raw OpenSSL PKCS#7 on purpose (no libscep message code): attributes are
 * added and read by OID object, never through NIDs registered by libscep.
 */
#include "config.h"

#include "scepsrv.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

static OSSL_LIB_CTX *srv_ctx;
static OSSL_PROVIDER *srv_prov_default, *srv_prov_legacy;

OSSL_LIB_CTX *scepsrv_libctx(void)
{
    if (srv_ctx)
        return srv_ctx;
    srv_ctx = OSSL_LIB_CTX_new();
    if (!srv_ctx)
        return NULL;
    srv_prov_default = OSSL_PROVIDER_load(srv_ctx, "default");
    srv_prov_legacy = OSSL_PROVIDER_load(srv_ctx, "legacy");
    if (!srv_prov_default || !srv_prov_legacy) {
        scepsrv_cleanup();
        return NULL;
    }
    return srv_ctx;
}

void scepsrv_cleanup(void)
{
    if (srv_prov_legacy)
        OSSL_PROVIDER_unload(srv_prov_legacy);
    if (srv_prov_default)
        OSSL_PROVIDER_unload(srv_prov_default);
    OSSL_LIB_CTX_free(srv_ctx);
    srv_prov_legacy = srv_prov_default = NULL;
    srv_ctx = NULL;
}

/* err = "what: <first OpenSSL reason>" */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
                                                      const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        unsigned long e = ERR_peek_last_error();
        if (e) {
            size_t n = strlen(err);
            if (n + 3 < errlen) {
                snprintf(err + n, errlen - n, ": ");
                ERR_error_string_n(e, err + n + 2, errlen - n - 2);
            }
        }
    }
    ERR_clear_error();
    return -1;
}

EVP_PKEY *scepsrv_rsa_key(unsigned bits)
{
    return EVP_RSA_gen(bits ? bits : 2048);
}

static int add_ext(X509 *issuer, X509 *x, int nid, const char *value)
{
    X509V3_CTX v;
    X509V3_set_ctx(&v, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* Certificate for pub, issued by (issuer, ikey); issuer NULL = self-signed. */
static X509 *make_cert(X509 *issuer, EVP_PKEY *ikey, const X509_NAME *subject,
                       EVP_PKEY *pub, long serial, int days, const char *ku, int is_ca)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    long after = (long)days * 86400;
    long before = after < 0 ? after - 86400 : -3600;
    int ok = X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
             X509_set_subject_name(x, subject) &&
             X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject) &&
             X509_gmtime_adj(X509_getm_notBefore(x), before) &&
             X509_gmtime_adj(X509_getm_notAfter(x), after) && X509_set_pubkey(x, pub);
    X509 *iss = issuer ? issuer : x;
    if (ok)
        ok = add_ext(iss, x, NID_basic_constraints,
                     is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") == 0 &&
             add_ext(iss, x, NID_key_usage, ku) == 0 &&
             add_ext(iss, x, NID_subject_key_identifier, "hash") == 0 &&
             (!issuer || add_ext(iss, x, NID_authority_key_identifier, "keyid") == 0) &&
             X509_sign(x, ikey, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static X509_NAME *cn_name(const char *cn, const char *suffix)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s", cn, suffix);
    X509_NAME *n = X509_NAME_new();
    if (n && !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)buf,
                                         -1, -1, 0)) {
        X509_NAME_free(n);
        n = NULL;
    }
    return n;
}

static int make_ra(scepsrv_ca *ca, const char *cn, const char *suffix, const char *ku,
                   unsigned bits, EVP_PKEY **key, X509 **cert)
{
    X509_NAME *n = cn_name(cn, suffix);
    *key = scepsrv_rsa_key(bits);
    if (!n || !*key) {
        X509_NAME_free(n);
        return -1;
    }
    *cert = make_cert(ca->cert, ca->key, n, *key, ca->next_serial++, 3650, ku, 0);
    X509_NAME_free(n);
    return *cert ? 0 : -1;
}

int scepsrv_ca_init(scepsrv_ca *ca, const char *cn, unsigned bits, int with_ra, char *err,
                    size_t errlen)
{
    memset(ca, 0, sizeof *ca);
    ca->next_serial = 1;
    ca->valid_days = 365;
    X509_NAME *n = cn_name(cn ? cn : "scepsrv test CA", "");
    ca->key = scepsrv_rsa_key(bits);
    if (!n || !ca->key) {
        X509_NAME_free(n);
        scepsrv_ca_free(ca);
        return fail(err, errlen, "CA key");
    }
    /* Like the Debian scepserver CA: no digitalSignature in KeyUsage. */
    ca->cert = make_cert(NULL, ca->key, n, ca->key, ca->next_serial++, 3650,
                         "critical,keyCertSign,cRLSign", 1);
    X509_NAME_free(n);
    if (!ca->cert) {
        scepsrv_ca_free(ca);
        return fail(err, errlen, "CA certificate");
    }
    if (with_ra) {
        const char *c = cn ? cn : "scepsrv test CA";
        if (make_ra(ca, c, " RA-enc", "critical,keyEncipherment", bits, &ca->enc_key,
                    &ca->enc) ||
            make_ra(ca, c, " RA-sign", "critical,digitalSignature", bits, &ca->sig_key,
                    &ca->sig)) {
            scepsrv_ca_free(ca);
            return fail(err, errlen, "RA certificates");
        }
    }
    return 0;
}

int scepsrv_ca_add_root(scepsrv_ca *ca, const char *cn, unsigned bits, char *err,
                        size_t errlen)
{
    X509_NAME *n = cn_name(cn ? cn : "scepsrv test root", "");
    ca->root_key = scepsrv_rsa_key(bits);
    X509 *again = NULL;
    if (n && ca->root_key) {
        ca->root = make_cert(NULL, ca->root_key, n, ca->root_key, ca->next_serial++, 7300,
                             "critical,keyCertSign,cRLSign", 1);
        if (ca->root)
            again =
                make_cert(ca->root, ca->root_key, X509_get_subject_name(ca->cert), ca->key,
                          ca->next_serial++, 3650, "critical,keyCertSign,cRLSign", 1);
    }
    X509_NAME_free(n);
    if (!again)
        return fail(err, errlen, "root above the CA");
    X509_free(ca->cert);
    ca->cert = again;
    /* RA certificates name the CA as issuer by subject and key: still valid. */
    return 0;
}

void scepsrv_ca_free(scepsrv_ca *ca)
{
    EVP_PKEY_free(ca->root_key);
    X509_free(ca->root);
    EVP_PKEY_free(ca->key);
    EVP_PKEY_free(ca->enc_key);
    EVP_PKEY_free(ca->sig_key);
    X509_free(ca->cert);
    X509_free(ca->enc);
    X509_free(ca->sig);
    memset(ca, 0, sizeof *ca);
}

static int save_pair(const char *dir, const char *file, X509 *x, EVP_PKEY *k)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = PEM_write_X509(f, x) && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* 1 = file missing, 0 = loaded, -1 = unreadable */
static int load_pair(const char *dir, const char *file, X509 **x, EVP_PKEY **k)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    *x = PEM_read_X509(f, NULL, NULL, NULL);
    *k = *x ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    fclose(f);
    return *x && *k ? 0 : -1;
}

int scepsrv_ca_save(const scepsrv_ca *ca, const char *dir, char *err, size_t errlen)
{
    if (save_pair(dir, "ca.pem", ca->cert, ca->key) ||
        (ca->enc && save_pair(dir, "ra-enc.pem", ca->enc, ca->enc_key)) ||
        (ca->sig && save_pair(dir, "ra-sign.pem", ca->sig, ca->sig_key)))
        return fail(err, errlen, "cannot save the CA in %s", dir);
    return 0;
}

int scepsrv_ca_load(scepsrv_ca *ca, const char *dir, char *err, size_t errlen)
{
    memset(ca, 0, sizeof *ca);
    ca->valid_days = 365;
    /* Serials unique across restarts without a counter file. */
    ca->next_serial = (long)(time(NULL) & 0x3fffffff) * 16;
    int r = load_pair(dir, "ca.pem", &ca->cert, &ca->key);
    if (r == 0) {
        int a = load_pair(dir, "ra-enc.pem", &ca->enc, &ca->enc_key);
        int b = load_pair(dir, "ra-sign.pem", &ca->sig, &ca->sig_key);
        if (a < 0 || b < 0 || a != b)
            r = -1;
    }
    if (r) {
        scepsrv_ca_free(ca);
        return r < 0 ? fail(err, errlen, "cannot load the CA from %s", dir)
                     : (fail(err, errlen, "no CA in %s", dir), 1);
    }
    return 0;
}

int scepsrv_degenerate(X509 *const *certs, int n, unsigned char **der, size_t *len)
{
    PKCS7 *p7 = PKCS7_new();
    int ok =
        p7 && PKCS7_set_type(p7, NID_pkcs7_signed) && PKCS7_content_new(p7, NID_pkcs7_data);
    if (ok) {
        ASN1_OCTET_STRING_free(p7->d.sign->contents->d.data);
        p7->d.sign->contents->d.data = NULL;
    }
    for (int i = 0; ok && i < n; i++)
        ok = PKCS7_add_certificate(p7, certs[i]);
    int l = ok ? i2d_PKCS7(p7, der) : -1;
    PKCS7_free(p7);
    if (l <= 0)
        return -1;
    *len = (size_t)l;
    return 0;
}

int scepsrv_cacert(const scepsrv_ca *ca, unsigned char **der, size_t *len,
                   const char **content_type)
{
    *der = NULL;
    if ((ca->enc && ca->sig) || ca->root) {
        X509 *v[4] = {ca->cert};
        int n = 1;
        if (ca->enc && ca->sig) {
            v[n++] = ca->enc;
            v[n++] = ca->sig;
        }
        if (ca->root)
            v[n++] = ca->root;
        *content_type = "application/x-x509-ca-ra-cert";
        return scepsrv_degenerate(v, n, der, len);
    }
    *content_type = "application/x-x509-ca-cert";
    int l = i2d_X509(ca->cert, der);
    if (l <= 0)
        return -1;
    *len = (size_t)l;
    return 0;
}

/* ---- decoding a request ------------------------------------------------- */

static ASN1_TYPE *get_attr(STACK_OF(X509_ATTRIBUTE) *sk, const char *oid)
{
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    int i = o ? X509at_get_attr_by_OBJ(sk, o, -1) : -1;
    ASN1_OBJECT_free(o);
    if (i < 0)
        return NULL;
    X509_ATTRIBUTE *a = X509at_get_attr(sk, i);
    return X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
}

static int attr_string(STACK_OF(X509_ATTRIBUTE) *sk, const char *oid, int type, char *out,
                       size_t n)
{
    ASN1_TYPE *t = get_attr(sk, oid);
    if (!t || t->type != type)
        return -1;
    const ASN1_STRING *s = t->value.asn1_string;
    int l = ASN1_STRING_length(s);
    if (l < 0 || (size_t)l >= n)
        return -1;
    memcpy(out, ASN1_STRING_get0_data(s), (size_t)l);
    out[l] = 0;
    return l;
}

static int parse_ias(scepsrv_req *req, const unsigned char *buf, long n)
{
    const unsigned char *q = buf, *end;
    long sl;
    int tag, cls;
    int r = ASN1_get_object(&q, &sl, &tag, &cls, n);
    if ((r & 0x80) || tag != V_ASN1_SEQUENCE || !(r & V_ASN1_CONSTRUCTED))
        return -1;
    end = q + sl;
    req->poll_issuer = d2i_X509_NAME(NULL, &q, end - q);
    if (!req->poll_issuer)
        return -1;
    req->poll_subject = d2i_X509_NAME(NULL, &q, end - q);
    return req->poll_subject && q == end ? 0 : -1;
}

static void alg_name(const ASN1_OBJECT *o, char *out, size_t n)
{
    int nid = OBJ_obj2nid(o);
    if (nid != NID_undef)
        snprintf(out, n, "%s", OBJ_nid2sn(nid));
    else
        OBJ_obj2txt(out, (int)n, o, 1);
}

/* Open the envelope and parse its content; 0 ok, 1 not possible. */
static int decode_envelope(const scepsrv_ca *ca, scepsrv_req *req, BIO *content, char *err,
                           size_t errlen)
{
    char *data;
    long n = BIO_get_mem_data(content, &data);
    const unsigned char *p = (const unsigned char *)data;
    PKCS7 *env = PKCS7_new_ex(scepsrv_libctx(), NULL);
    BIO *plain = BIO_new(BIO_s_mem());
    int rc = 1;
    if (!env || !plain || !d2i_PKCS7(&env, &p, n) || !PKCS7_type_is_enveloped(env)) {
        fail(err, errlen, "request content is not an enveloped-data");
        goto out;
    }
    alg_name(env->d.enveloped->enc_data->algorithm->algorithm, req->cipher,
             sizeof req->cipher);
    EVP_PKEY *k = ca->enc_key ? ca->enc_key : ca->key;
    X509 *c = ca->enc_key ? ca->enc : ca->cert;
    if (PKCS7_decrypt(env, k, c, plain, PKCS7_BINARY) != 1) {
        fail(err, errlen, "cannot decrypt the request envelope (%s)", req->cipher);
        goto out;
    }
    req->decrypted = 1;
    n = BIO_get_mem_data(plain, &data);
    p = (const unsigned char *)data;
    if (req->type == SCEPSRV_PKCSREQ || req->type == SCEPSRV_RENEWALREQ) {
        req->csr = d2i_X509_REQ(NULL, &p, n);
        if (!req->csr || p != (const unsigned char *)data + n) {
            fail(err, errlen, "envelope content is not a CSR");
            goto out;
        }
    } else if (req->type == SCEPSRV_CERTPOLL) {
        if (parse_ias(req, (const unsigned char *)data, n)) {
            fail(err, errlen, "envelope content is not an IssuerAndSubject");
            goto out;
        }
    }
    rc = 0;
out:
    PKCS7_free(env);
    BIO_free(plain);
    return rc;
}

int scepsrv_decode(const scepsrv_ca *ca, const unsigned char *der, size_t len,
                   scepsrv_req *req, char *err, size_t errlen)
{
    memset(req, 0, sizeof *req);
    const unsigned char *p = der;
    BIO *content = NULL;
    STACK_OF(X509) *signers = NULL;
    int rc = -1;
    char buf[16];
    if (len > LONG_MAX)
        return fail(err, errlen, "too long");
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
    if (!p7 || p != der + len || !PKCS7_type_is_signed(p7)) {
        fail(err, errlen, "not a DER PKCS#7 signed-data");
        goto out;
    }
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    if (sk_PKCS7_SIGNER_INFO_num(sis) != 1) {
        fail(err, errlen, "%d signers", sk_PKCS7_SIGNER_INFO_num(sis));
        goto out;
    }
    content = BIO_new(BIO_s_mem());
    if (!content ||
        PKCS7_verify(p7, NULL, NULL, NULL, content, PKCS7_NOVERIFY | PKCS7_BINARY) != 1) {
        fail(err, errlen, "request signature invalid");
        goto out;
    }
    signers = PKCS7_get0_signers(p7, NULL, 0);
    if (!signers || sk_X509_num(signers) != 1) {
        fail(err, errlen, "no signer certificate");
        goto out;
    }
    req->signer = sk_X509_value(signers, 0);
    X509_up_ref(req->signer);
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
    alg_name(si->digest_alg->algorithm, req->digest, sizeof req->digest);
    STACK_OF(X509_ATTRIBUTE) *attrs = PKCS7_get_signed_attributes(si);
    if (attr_string(attrs, SCEPSRV_OID_MESSAGE_TYPE, V_ASN1_PRINTABLESTRING, buf,
                    sizeof buf) <= 0) {
        fail(err, errlen, "no messageType");
        goto out;
    }
    req->type = atoi(buf);
    if (attr_string(attrs, SCEPSRV_OID_TRANSACTION_ID, V_ASN1_PRINTABLESTRING, req->tid,
                    sizeof req->tid) <= 0) {
        fail(err, errlen, "no transactionID");
        goto out;
    }
    ASN1_TYPE *t = get_attr(attrs, SCEPSRV_OID_SENDER_NONCE);
    if (!t || t->type != V_ASN1_OCTET_STRING ||
        ASN1_STRING_length(t->value.octet_string) <= 0 ||
        (size_t)ASN1_STRING_length(t->value.octet_string) > sizeof req->nonce) {
        fail(err, errlen, "no senderNonce");
        goto out;
    }
    req->nonce_len = (size_t)ASN1_STRING_length(t->value.octet_string);
    memcpy(req->nonce, ASN1_STRING_get0_data(t->value.octet_string), req->nonce_len);
    rc = decode_envelope(ca, req, content, err, errlen);
out:
    sk_X509_free(signers);
    BIO_free(content);
    PKCS7_free(p7);
    ERR_clear_error();
    return rc;
}

void scepsrv_req_clear(scepsrv_req *req)
{
    X509_free(req->signer);
    X509_REQ_free(req->csr);
    X509_NAME_free(req->poll_issuer);
    X509_NAME_free(req->poll_subject);
    memset(req, 0, sizeof *req);
}

/* ---- issuing ------------------------------------------------------------ */

X509 *scepsrv_issue(scepsrv_ca *ca, const X509_NAME *subject, EVP_PKEY *pub)
{
    return make_cert(ca->cert, ca->key, subject, pub, ca->next_serial++, ca->valid_days,
                     "critical,digitalSignature,keyEncipherment", 0);
}

X509 *scepsrv_issue_csr(scepsrv_ca *ca, X509_REQ *csr)
{
    EVP_PKEY *pub = X509_REQ_get0_pubkey(csr);
    if (!pub)
        return NULL;
    return scepsrv_issue(ca, X509_REQ_get_subject_name(csr), pub);
}

/* ---- building a CertRep ------------------------------------------------- */

static int add_attr(PKCS7_SIGNER_INFO *si, const char *oid, int type, const void *data,
                    int len)
{
    /* len -1 would make OpenSSL take data as an ASN1_STRING */
    if (len < 0)
        len = (int)strlen(data);
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    int ok = o && X509at_add1_attr_by_OBJ(&si->auth_attr, o, type, data, len) != NULL;
    ASN1_OBJECT_free(o);
    return ok ? 0 : -1;
}

/* The SUCCESS content: envelope of [issued, CA] to the recipient. */
static int success_content(const scepsrv_ca *ca, const scepsrv_req *req,
                           const scepsrv_reply *rep, unsigned char **out, size_t *outlen)
{
    unsigned char *inner = NULL;
    size_t ilen = 0;
    X509 *certs[2] = {rep->issued, ca->cert};
    int rc = -1;
    if (rep->content) {
        inner = rep->content_len ? OPENSSL_memdup(rep->content, rep->content_len)
                                 : OPENSSL_zalloc(1);
        ilen = rep->content_len;
        if (!inner)
            return -1;
    } else if (!rep->issued ||
               scepsrv_degenerate(certs, (rep->flags & SCEPSRV_F_NO_CA) ? 1 : 2, &inner,
                                  &ilen))
        return -1;
    EVP_CIPHER *cipher =
        EVP_CIPHER_fetch(scepsrv_libctx(), rep->cipher ? rep->cipher : "AES-128-CBC", NULL);
    STACK_OF(X509) *rcpt = sk_X509_new_null();
    X509 *to = rep->recipient ? rep->recipient : req->signer;
    BIO *in = BIO_new_mem_buf(inner, (int)ilen);
    PKCS7 *env = NULL;
    if (!cipher || !rcpt || !to || !in || !sk_X509_push(rcpt, to))
        goto out;
    env = PKCS7_encrypt_ex(rcpt, in, cipher, PKCS7_BINARY, scepsrv_libctx(), NULL);
    int l = env ? i2d_PKCS7(env, out) : -1;
    if (l > 0) {
        *outlen = (size_t)l;
        rc = 0;
    }
out:
    PKCS7_free(env);
    BIO_free(in);
    sk_X509_free(rcpt);
    EVP_CIPHER_free(cipher);
    OPENSSL_free(inner);
    return rc;
}

int scepsrv_certrep(const scepsrv_ca *ca, const scepsrv_req *req, const scepsrv_reply *rep,
                    unsigned char **der, size_t *len, char *err, size_t errlen)
{
    X509 *scert = rep->sign_cert ? rep->sign_cert : ca->sig ? ca->sig : ca->cert;
    EVP_PKEY *skey = rep->sign_key ? rep->sign_key : ca->sig ? ca->sig_key : ca->key;
    EVP_PKEY *other = NULL;
    unsigned char *content = NULL, snonce[32], rnonce[32];
    size_t clen = 0;
    char tid[sizeof req->tid], num[16];
    PKCS7 *p7 = NULL;
    BIO *bio = NULL;
    int rc = -1;

    *der = NULL;
    if (err && errlen)
        *err = 0;
    const EVP_MD *md = EVP_get_digestbyname(rep->digest ? rep->digest : "SHA256");
    if (!md) {
        fail(err, errlen, "unknown digest %s", rep->digest);
        goto out;
    }
    if (rep->flags & SCEPSRV_F_GARBAGE) {
        clen = 200;
        content = OPENSSL_malloc(clen);
        if (!content || RAND_bytes(content, (int)clen) != 1)
            goto out;
        content[0] = 0x30; /* looks like a SEQUENCE, is not one */
    } else if (rep->status == SCEPSRV_SUCCESS &&
               success_content(ca, req, rep, &content, &clen)) {
        fail(err, errlen, "cannot build the SUCCESS envelope");
        goto out;
    }
    if (rep->flags & SCEPSRV_F_SIG_OTHERKEY) {
        other = scepsrv_rsa_key(1024 + 1024 * (EVP_PKEY_get_bits(skey) > 1024));
        if (!other)
            goto out;
        skey = other;
    }

    p7 = PKCS7_new();
    if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed))
        goto out;
    PKCS7_SIGNER_INFO *si = PKCS7_add_signature(p7, scert, skey, md);
    if (!si ||
        (!(rep->flags & SCEPSRV_F_NO_SIGNER_CERT) && !PKCS7_add_certificate(p7, scert)))
        goto out;

    snprintf(tid, sizeof tid, "%s", req->tid);
    if ((rep->flags & SCEPSRV_F_BAD_TID) && tid[0])
        tid[strlen(tid) - 1] = tid[strlen(tid) - 1] == '0' ? '1' : '0';
    memcpy(rnonce, req->nonce, req->nonce_len);
    if (rep->flags & SCEPSRV_F_BAD_NONCE)
        rnonce[0] ^= 0x5a;
    if (rep->flags & SCEPSRV_F_SAME_NONCE)
        memcpy(snonce, req->nonce, req->nonce_len);
    else if (RAND_bytes(snonce, 16) != 1)
        goto out;
    size_t slen = (rep->flags & SCEPSRV_F_SAME_NONCE) ? req->nonce_len : 16;

    snprintf(num, sizeof num, "%d", SCEPSRV_CERTREP);
    if (add_attr(si, SCEPSRV_OID_MESSAGE_TYPE, V_ASN1_PRINTABLESTRING, num, -1))
        goto out;
    snprintf(num, sizeof num, "%d", rep->status);
    if (add_attr(si, SCEPSRV_OID_PKI_STATUS, V_ASN1_PRINTABLESTRING, num, -1) ||
        add_attr(si, SCEPSRV_OID_TRANSACTION_ID, V_ASN1_PRINTABLESTRING, tid, -1) ||
        add_attr(si, SCEPSRV_OID_RECIPIENT_NONCE, V_ASN1_OCTET_STRING, rnonce,
                 (int)req->nonce_len) ||
        add_attr(si, SCEPSRV_OID_SENDER_NONCE, V_ASN1_OCTET_STRING, snonce, (int)slen) ||
        !PKCS7_add_attrib_content_type(si, NULL))
        goto out;
    if (rep->status == SCEPSRV_FAILURE && rep->fail_info >= 0) {
        snprintf(num, sizeof num, "%d", rep->fail_info);
        if (add_attr(si, SCEPSRV_OID_FAIL_INFO, V_ASN1_PRINTABLESTRING, num, -1))
            goto out;
    }
    if (rep->status == SCEPSRV_FAILURE && rep->fail_text &&
        add_attr(si, SCEPSRV_OID_FAIL_INFO_TEXT, V_ASN1_UTF8STRING, rep->fail_text, -1))
        goto out;

    if (!PKCS7_content_new(p7, NID_pkcs7_data) || !(bio = PKCS7_dataInit(p7, NULL)) ||
        (clen && BIO_write(bio, content, (int)clen) != (int)clen) ||
        !PKCS7_dataFinal(p7, bio))
        goto out;
    if (rep->flags & SCEPSRV_F_SIG_FLIP) {
        ASN1_OCTET_STRING *sig = si->enc_digest;
        unsigned char *d = (unsigned char *)ASN1_STRING_get0_data(sig);
        d[ASN1_STRING_length(sig) / 2] ^= 0x01;
    }
    int l = i2d_PKCS7(p7, der);
    if (l > 0) {
        *len = (size_t)l;
        rc = 0;
    }
out:
    if (rc && err && errlen && !*err)
        fail(err, errlen, "cannot build the CertRep");
    BIO_free_all(bio);
    PKCS7_free(p7);
    EVP_PKEY_free(other);
    OPENSSL_free(content);
    return rc;
}

int scepsrv_get_answer(const scepsrv_ca *ca, const char *caps, const char *operation,
                       unsigned char **body, size_t *len, char *ctype, size_t ctlen)
{
    if (!strcmp(operation, "GetCACaps")) {
        *body = (unsigned char *)strdup(caps);
        *len = strlen(caps);
        snprintf(ctype, ctlen, "text/plain");
        return *body ? 1 : -1;
    }
    if (strcmp(operation, "GetCACert") != 0)
        return 0;
    unsigned char *der = NULL;
    const char *ct = NULL;
    if (scepsrv_cacert(ca, &der, len, &ct) != 0)
        return -1;
    *body = malloc(*len);
    if (*body)
        memcpy(*body, der, *len);
    OPENSSL_free(der);
    snprintf(ctype, ctlen, "%s", ct);
    return *body ? 1 : -1;
}
