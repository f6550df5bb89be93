/*
 * test_client.c - the client flow (client.c) with the HTTP transport injected
 * (DESIGN.md section 3): an in-process SCEP server (scepsrv) answers, so the
 * choice of POST/GET, digest and cipher, renewal signing, cancellation and the
 * content-type check are tested without a socket.
 */
#include "config.h"

#include "httpd.h"
#include "scep-int.h"
#include "scepsrv.h"
#include "testutil.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

typedef struct server {
    scepsrv_ca ca;
    const char *caps;
    const char *content_type; /* of PKIOperation answers */
    int gets, posts, calls;
    scepsrv_req last; /* the last decoded pkiMessage */
    int fail_transport;
    int caps_http_error; /* GetCACaps answers HTTP 404 */
    int caps_closed;     /* GetCACaps: the connection closes without an answer */
    scepsrv_ca *issuer;  /* issue with this CA instead (signed CertRep by ca) */
    int sign_with_ca;    /* CertReps signed by the CA even when it has an RA */
    int empty_reply;     /* PKIOperation answers 200 with no body */
} server;

static scep_rc answer(server *srv, const unsigned char *der, size_t len,
                      scep_http_resp *resp, scep_error *e)
{
    char err[256];
    scepsrv_req_clear(&srv->last);
    if (scepsrv_decode(&srv->ca, der, len, &srv->last, err, sizeof err) != 0)
        return scep_error_set(e, SCEP_E_INTERNAL, "scepsrv_decode: %s", err);
    X509 *issued = srv->last.csr ? scepsrv_issue_csr(srv->issuer ? srv->issuer : &srv->ca,
                                                     srv->last.csr)
                                 : NULL;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .issued = issued};
    if (srv->sign_with_ca) {
        rep.sign_cert = srv->ca.cert;
        rep.sign_key = srv->ca.key;
    }
    unsigned char *out = NULL;
    size_t outlen = 0;
    int rc = scepsrv_certrep(&srv->ca, &srv->last, &rep, &out, &outlen, err, sizeof err);
    X509_free(issued);
    if (rc != 0)
        return scep_error_set(e, SCEP_E_INTERNAL, "scepsrv_certrep: %s", err);
    resp->body = malloc(outlen);
    memcpy(resp->body, out, outlen);
    resp->body_len = outlen;
    OPENSSL_free(out);
    snprintf(resp->content_type, sizeof resp->content_type, "%s", srv->content_type);
    return SCEP_OK;
}

static scep_rc transport(void *ctx, const scep_settings *s, const scep_http_req *req,
                         scep_http_resp *resp, scep_error *e)
{
    (void)s;
    server *srv = ctx;
    srv->calls++;
    if (srv->fail_transport)
        return scep_error_set(e, SCEP_E_TCP, "injected connect failure");
    resp->status = 200;
    if (!strcmp(req->operation, "GetCACaps") && srv->caps_closed)
        return scep_error_set(e, SCEP_E_TCP, "GetCACaps: Empty reply from server");
    if (!strcmp(req->operation, "GetCACaps") && srv->caps_http_error) {
        resp->status = 404;
        e->http_status = 404;
        return scep_error_set(e, SCEP_E_HTTP, "GetCACaps: HTTP status 404");
    }
    if (!strcmp(req->operation, "PKIOperation") && srv->empty_reply) {
        snprintf(resp->content_type, sizeof resp->content_type,
                 "application/x-pki-message");
        return SCEP_OK;
    }
    int got =
        scepsrv_get_answer(&srv->ca, srv->caps, req->operation, &resp->body,
                           &resp->body_len, resp->content_type, sizeof resp->content_type);
    if (got)
        return got > 0 ? SCEP_OK
                       : scep_error_set(e, SCEP_E_INTERNAL, "GetCACaps/GetCACert");
    if (req->body) {
        srv->posts++;
        return answer(srv, req->body, req->body_len, resp, e);
    }
    srv->gets++;
    unsigned char *der = NULL;
    size_t len = 0;
    if (!req->message ||
        !(der = httpd_b64_decode(req->message, strlen(req->message), &len))) {
        return scep_error_set(e, SCEP_E_INTERNAL, "GET without a base64 message");
    }
    scep_rc rc = answer(srv, der, len, resp, e);
    free(der);
    return rc;
}

typedef struct fx {
    server srv;
    scep_settings s;
    scep_params p;
    scep_client *c;
    scep_keystore *ks;
    char *dir;
    scep_error e;
    scep_enroll_result r;
} fx;

/* CA and RA key size of fx_open: 1024 keeps the valgrind stage quick (key
 * sizes are covered by test_csr and the integration test). */
static unsigned fx_ca_bits = 1024;

static void fx_open(fx *f, const char *caps, int with_ra)
{
    memset(f, 0, sizeof *f);
    char err[256];
    CU_ASSERT_EQUAL_FATAL(
        scepsrv_ca_init(&f->srv.ca, "test CA", fx_ca_bits, with_ra, err, sizeof err), 0);
    f->srv.caps = caps;
    f->srv.content_type = "application/x-pki-message";
    scep_settings_init(&f->s);
    snprintf(f->s.url, sizeof f->s.url, "http://scep.invalid/scep");
    scep_params_init(&f->p);
    snprintf(f->p.name, sizeof f->p.name, "k1");
    snprintf(f->p.cn, sizeof f->p.cn, "host.example");
    snprintf(f->p.challenge, sizeof f->p.challenge, "secret");
    f->p.bits = 1024; /* fast; key sizes are covered by test_csr and the integration test */
    scep_error_clear(&f->e);
    f->dir = tu_mkdtemp("client");
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(f->dir, 10, &f->ks, &f->e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(scep_client_new(&f->s, &f->c, &f->e), SCEP_OK);
    scep_client_set_transport(f->c, transport, &f->srv);
}

static void fx_close(fx *f)
{
    scep_client_free(f->c);
    scep_keystore_close(f->ks);
    scepsrv_req_clear(&f->srv.last);
    scepsrv_ca_free(&f->srv.ca);
    tu_rmtree(f->dir);
    free(f->dir);
}

static void test_post_and_algorithms(void)
{
    fx f;
    fx_open(&f, "POSTPKIOperation\nSHA-512\nSHA-256\nAES\nDES3\nRenewal", 0);
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(f.srv.posts, 1);
    CU_ASSERT_EQUAL(f.srv.gets, 0);
    CU_ASSERT_EQUAL(f.srv.calls, 3); /* GetCACaps, GetCACert, PKIOperation */
    CU_ASSERT_EQUAL(f.srv.last.type, SCEPSRV_PKCSREQ);
    CU_ASSERT_STRING_EQUAL(f.srv.last.tid, f.r.transaction_id);
    /* RFC 8894 3.5.2: SHA-256 and AES128 SHOULD be used when offered (not
     * the strongest: SHA-512 is offered too) */
    CU_ASSERT_STRING_EQUAL(f.srv.last.digest, "SHA256");
    CU_ASSERT_STRING_EQUAL(f.srv.last.cipher, "AES-128-CBC");
    CU_ASSERT_TRUE(scep_keystore_exists(f.ks, "k1"));
    fx_close(&f);
}

static void test_get_des3_sha1(void)
{
    fx f;
    fx_open(&f, "DES3\nSHA-1", 0); /* no POSTPKIOperation: GET */
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(f.srv.gets, 1);
    CU_ASSERT_EQUAL(f.srv.posts, 0);
    CU_ASSERT_STRING_EQUAL(f.srv.last.digest, "SHA1");
    CU_ASSERT_STRING_EQUAL(f.srv.last.cipher, "DES-EDE3-CBC");
    fx_close(&f);
}

static void test_ra_chain(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 1);
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(f.srv.last.decrypted, 1); /* enveloped to the RA-enc certificate */
    CU_ASSERT_EQUAL(f.srv.posts, 1);          /* SCEPStandard implies POST */
    fx_close(&f);
}

static void test_renewal_signed_with_old_cert(void)
{
    fx f;
    fx_open(&f, "POSTPKIOperation\nSHA-256\nAES\nRenewal", 0);
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    EVP_PKEY *old_key = NULL;
    X509 *old_cert = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_keystore_load(f.ks, "k1", &old_key, &old_cert, &f.e),
                          SCEP_OK);
    scep_enroll_opts o = {.renew_name = "k1"};
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, &o, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(f.srv.last.type, SCEPSRV_RENEWALREQ);
    CU_ASSERT_EQUAL(X509_cmp(f.srv.last.signer, old_cert), 0);
    /* The new certificate certifies a new key. */
    EVP_PKEY *new_key = NULL;
    X509 *new_cert = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_keystore_load(f.ks, "k1", &new_key, &new_cert, &f.e),
                          SCEP_OK);
    CU_ASSERT_NOT_EQUAL(EVP_PKEY_eq(new_key, old_key), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(new_cert), new_key), 1);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    EVP_PKEY_free(old_key);
    EVP_PKEY_free(new_key);
    X509_free(old_cert);
    X509_free(new_cert);
    fx_close(&f);
}

static void test_no_renewal_cap(void)
{
    fx f;
    fx_open(&f, "POSTPKIOperation\nSHA-256\nAES", 0);
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    EVP_PKEY *old_key = NULL;
    X509 *old_cert = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_keystore_load(f.ks, "k1", &old_key, &old_cert, &f.e),
                          SCEP_OK);
    /* B1, RFC 8894 2.3: no Renewal offered: a PKCSReq, still signed with the
     * current certificate (not a self-signed one) */
    scep_enroll_opts o = {.renew_name = "k1"};
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, &o, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(f.srv.last.type, SCEPSRV_PKCSREQ);
    CU_ASSERT_EQUAL(f.r.msg_type, SCEP_MSG_PKCSREQ);
    CU_ASSERT_EQUAL(X509_cmp(f.srv.last.signer, old_cert), 0);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1); /* replaced in place */
    EVP_PKEY_free(old_key);
    X509_free(old_cert);
    fx_close(&f);
}

static void test_cancel_before_request(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 0);
    volatile int cancel = 1;
    scep_client_set_cancel(f.c, &cancel);
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(f.srv.calls, 0);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    fx_close(&f);
}

static void test_content_type(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 0);
    f.srv.content_type = "text/html";
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_CONTENT_TYPE);
    CU_ASSERT(strstr(f.e.text, "text/html") != NULL);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    fx_close(&f);

    /* media types compare case-insensitively, parameters ignored */
    fx_open(&f, "SCEPStandard", 0);
    f.srv.content_type = "Application/X-PKI-Message; charset=binary";
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    fx_close(&f);
    /* a type that only contains the words is not it */
    fx_open(&f, "SCEPStandard", 0);
    f.srv.content_type = "text/x-pki-message-log";
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_CONTENT_TYPE);
    fx_close(&f);
}

static void test_transport_error(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 0);
    f.srv.fail_transport = 1;
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_TCP);
    CU_ASSERT_EQUAL(f.srv.calls, 2); /* GetCACaps (no capabilities), GetCACert fails */
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    fx_close(&f);
}

static void test_refusals_before_network(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 0);
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    int calls = f.srv.calls;
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_EXISTS);
    f.p.cn[0] = 0;
    snprintf(f.p.name, sizeof f.p.name, "k2");
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_INVALID);
    scep_enroll_opts o = {.renew_name = "nosuchkey"};
    snprintf(f.p.cn, sizeof f.p.cn, "host.example");
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, &o, &f.r, &f.e), SCEP_E_NOT_FOUND);
    CU_ASSERT_EQUAL(f.srv.calls, calls);
    fx_close(&f);
}

static void test_replace_usage(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 0);
    f.p.usage = SCEP_USAGE_TLS;
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    snprintf(f.p.name, sizeof f.p.name, "k2");
    scep_enroll_opts o = {.replace_usage = 1};
    CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, &o, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(f.r.replaced, "k1");
    CU_ASSERT_FALSE(scep_keystore_exists(f.ks, "k1"));
    CU_ASSERT_TRUE(scep_keystore_exists(f.ks, "k2"));
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
}

/* RFC 8894 3.5.2: an HTTP error to GetCACaps means no capabilities, and so
 * does a connection closed without an answer (IIS). Nothing offered: SHA-1
 * and triple DES, never single DES (7.5: GetCACaps is not authenticated, a
 * forged error must not force it). */
static void test_caps_http_error(void)
{
    for (int closed = 0; closed < 2; closed++) {
        fx f;
        fx_open(&f, "unused", 0);
        f.srv.caps_http_error = !closed;
        f.srv.caps_closed = closed;
        CU_ASSERT_EQUAL_FATAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
        CU_ASSERT_EQUAL(f.srv.gets, 1); /* no POSTPKIOperation */
        CU_ASSERT_STRING_EQUAL(f.srv.last.digest, "SHA1");
        CU_ASSERT_STRING_EQUAL(f.srv.last.cipher, "DES-EDE3-CBC");
        fx_close(&f);
    }
}

/* requireScepStandard: no downgrade to triple DES / SHA-1, even when
 * GetCACaps fails; a SCEPStandard server is fine. */
static void test_require_standard(void)
{
    static const struct {
        const char *caps;
        int http_error;
        scep_rc want;
    } cases[] = {{"DES3\nSHA-1\nPOSTPKIOperation", 0, SCEP_E_INVALID},
                 {"unused", 1, SCEP_E_INVALID},
                 {"SCEPStandard", 0, SCEP_OK}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx f;
        fx_open(&f, cases[i].caps, 0);
        f.srv.caps_http_error = cases[i].http_error;
        f.s.require_standard = 1;
        scep_client_free(f.c);
        CU_ASSERT_EQUAL_FATAL(scep_client_new(&f.s, &f.c, &f.e), SCEP_OK);
        scep_client_set_transport(f.c, transport, &f.srv);
        CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), cases[i].want);
        if (cases[i].want != SCEP_OK) {
            CU_ASSERT_PTR_NOT_NULL(strstr(f.e.text, "SCEPStandard"));
            CU_ASSERT_EQUAL(f.srv.posts + f.srv.gets, 0); /* no PKIOperation sent */
        }
        fx_close(&f);
    }
}

/* Issue 9: a certificate issued by another CA is refused, nothing stored. */
static void test_issuer_not_the_ca(void)
{
    fx f;
    scepsrv_ca other;
    char err[256];
    fx_open(&f, "SCEPStandard", 0);
    CU_ASSERT_EQUAL_FATAL(scepsrv_ca_init(&other, "unrelated CA", 1024, 0, err, sizeof err),
                          0);
    f.srv.issuer = &other;
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_CERT_UNTRUSTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.e.text, "does not verify against the CA"));
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    CU_ASSERT_FALSE(scep_pending_exists(f.ks, "k1"));
    f.srv.issuer = NULL; /* the same client and store: the right CA is accepted */
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    scepsrv_ca_free(&other);
    fx_close(&f);
}

static time_t far_clock(void *ctx)
{
    return time(NULL) + *(const long *)ctx;
}

/* Issue 9: an expired (or not yet valid) CA certificate is not used. */
static void test_ca_not_valid_now(void)
{
    static const long shifts[] = {100L * 366 * 86400, -3L * 86400};
    for (int i = 0; i < 2; i++) {
        fx f;
        fx_open(&f, "SCEPStandard", 0);
        scep_set_clock(far_clock, (void *)&shifts[i]);
        CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_CACERT);
        CU_ASSERT_PTR_NOT_NULL(
            strstr(f.e.text, i == 0 ? "CA certificate has expired" : "not valid yet"));
        scep_set_clock(NULL, NULL);
        CU_ASSERT_EQUAL(f.srv.posts + f.srv.gets, 0); /* no PKIOperation */
        CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
        fx_close(&f);
    }
}

/* RFC 8894 3.5.2: with an RA, a CertRep signed by the CA itself is accepted
 * too (the RA's keyUsage decided which one we expected). */
static void test_certrep_signed_by_ca(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 1);
    f.srv.sign_with_ca = 1;
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
}

/* A client of f with this pin (the fixture's client has none). */
static void repin(fx *f, X509 *x)
{
    CU_ASSERT_EQUAL_FATAL(scep_cert_fpr_hex(x, f->s.ca_pin), SCEP_OK);
    scep_client_free(f->c);
    CU_ASSERT_EQUAL_FATAL(scep_client_new(&f->s, &f->c, &f->e), SCEP_OK);
    scep_client_set_transport(f->c, transport, &f->srv);
}

/* Issue 9: the pin names the CA (or a certificate above it), never an RA
 * certificate of the same GetCACert answer. */
static void test_pin_in_chain(void)
{
    fx f;
    char fpr[SCEP_FPR_HEX_LEN + 1];
    fx_open(&f, "SCEPStandard", 1); /* GetCACert: CA, RA-enc, RA-sign */
    repin(&f, f.srv.ca.enc);
    CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, NULL, &f.e), SCEP_E_CA_FINGERPRINT);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.e.text, "not issued under"));
    repin(&f, f.srv.ca.cert);
    CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, NULL, &f.e), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(fpr, f.s.ca_pin);
    snprintf(f.s.ca_pin, sizeof f.s.ca_pin, "%064d", 7); /* in no certificate */
    scep_client_free(f.c);
    CU_ASSERT_EQUAL_FATAL(scep_client_new(&f.s, &f.c, &f.e), SCEP_OK);
    scep_client_set_transport(f.c, transport, &f.srv);
    CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, NULL, &f.e), SCEP_E_CA_FINGERPRINT);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.e.text, "nor does any other certificate"));
    fx_close(&f);
}

/* Issue 9 item 3: GetCACert sends the issuing CA and the root above it (and
 * RA certificates): a pin of the root is accepted, the fingerprint reported
 * stays the issuing CA's (the one the requests go to), the certificate is
 * issued and verified; a pin of the CA itself works too; a pin of a root
 * that did not issue the CA (another chain) is refused. */
static void test_pin_root_above_ca(void)
{
    for (int with_ra = 0; with_ra <= 1; with_ra++) {
        fx f;
        char fpr[SCEP_FPR_HEX_LEN + 1], ca_fpr[SCEP_FPR_HEX_LEN + 1],
            root_fpr[SCEP_FPR_HEX_LEN + 1];
        char err[256] = "";
        fx_open(&f, "POSTPKIOperation\nSHA-256\nAES\nSCEPStandard", with_ra);
        CU_ASSERT_EQUAL_FATAL(
            scepsrv_ca_add_root(&f.srv.ca, "test root", 1024, err, sizeof err), 0);
        CU_ASSERT_EQUAL_FATAL(scep_cert_fpr_hex(f.srv.ca.cert, ca_fpr), SCEP_OK);
        CU_ASSERT_EQUAL_FATAL(scep_cert_fpr_hex(f.srv.ca.root, root_fpr), SCEP_OK);
        repin(&f, f.srv.ca.root);
        CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, NULL, &f.e), SCEP_OK);
        CU_ASSERT_STRING_EQUAL(fpr, ca_fpr); /* the issuing CA, not the root */
        CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_OK);
        CU_ASSERT_STRING_EQUAL(f.r.ca_fpr, ca_fpr);
        CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
        CU_ASSERT_STRING_EQUAL(f.r.key.issuer, "CN=test CA");
        repin(&f, f.srv.ca.cert);
        CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, NULL, &f.e), SCEP_OK);
        CU_ASSERT_STRING_EQUAL(fpr, ca_fpr);
        fx_close(&f);
    }
    /* A root of another chain, sent beside a self-signed CA: not an ancestor. */
    fx f;
    char fpr[SCEP_FPR_HEX_LEN + 1];
    char err[256] = "";
    scepsrv_ca other;
    CU_ASSERT_EQUAL_FATAL(scepsrv_ca_init(&other, "other", 1024, 0, err, sizeof err), 0);
    fx_open(&f, "POSTPKIOperation\nSHA-256\nAES\nSCEPStandard", 0);
    f.srv.ca.root = X509_dup(other.cert); /* sent, but did not issue the CA */
    repin(&f, other.cert);
    CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, NULL, &f.e), SCEP_E_CA_FINGERPRINT);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.e.text, "not issued under"));
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_CA_FINGERPRINT);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    fx_close(&f);
    scepsrv_ca_free(&other);
}

static void test_empty_reply(void)
{
    fx f;
    fx_open(&f, "SCEPStandard", 0);
    f.srv.empty_reply = 1;
    CU_ASSERT_EQUAL(scep_enroll(f.c, f.ks, &f.p, NULL, &f.r, &f.e), SCEP_E_MALFORMED);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    fx_close(&f);
}

int main(void)
{
    if (scep_global_init() != SCEP_OK)
        return 99;
    int rc = tu_run(
        "client",
        (tu_case[]){
            {"POST, strongest digest, AES", test_post_and_algorithms},
            {"GET when POSTPKIOperation is absent, DES3 + SHA-1", test_get_des3_sha1},
            {"RA chain: envelope to RA-enc", test_ra_chain},
            {"renewal signed with the current certificate",
             test_renewal_signed_with_old_cert},
            {"renewal refused without Renewal", test_no_renewal_cap},
            {"cancel before any request", test_cancel_before_request},
            {"wrong Content-Type", test_content_type},
            {"certificate from another CA refused", test_issuer_not_the_ca},
            {"requireScepStandard", test_require_standard},
            {"RA present, CertRep signed by the CA", test_certrep_signed_by_ca},
            {"pin: the CA, not an RA of the chain", test_pin_in_chain},
            {"pin: the root above the issuing CA", test_pin_root_above_ca},
            {"CA certificate not valid now", test_ca_not_valid_now},
            {"transport error", test_transport_error},
            {"refusals before any request", test_refusals_before_network},
            {"replace the key of the same usage (A6)", test_replace_usage},
            {"GetCACaps HTTP error or closed: no capabilities", test_caps_http_error},
            {"empty CertRep", test_empty_reply},
            {NULL, NULL}});
    scepsrv_cleanup();
    scep_global_cleanup();
    return rc;
}
