/*
 * test_pkimsg.c - libscep's client side of SCEP messages (scep_msg_build in
 * pkimsg.c, scep_certrep_parse in certrep.c) against an independent server
 * side (tests/scepsrv.c, raw OpenSSL), in-process, no HTTP.
 *
 * Each case builds a real PKCSReq/RenewalReq/CertPoll with libscep, decodes it
 * as a server would, answers with a CertRep built for that very request (one
 * fault at a time) and checks what scep_certrep_parse makes of it. The last
 * cases parse CertReps captured from the real Debian scepserver (fixtures/).
 */
#include "config.h"

#include "scep-int.h"
#include "scepsrv.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

/* Suite-wide material (made once: RSA key generation is slow). */
static EVP_PKEY *our_key;
static X509_REQ *our_csr;
static X509 *our_signer; /* self-signed, signs the PKCSReq */
static scepsrv_ca ca;    /* plain CA */
static scepsrv_ca ra;    /* CA + RA-enc + RA-sign */
static scepsrv_ca other; /* an unrelated CA */

static X509_REQ *make_csr(EVP_PKEY *k, const char *cn)
{
    X509_REQ *r = X509_REQ_new();
    X509_NAME *n = X509_REQ_get_subject_name(r);
    if (!r ||
        !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"Example",
                                    -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                    -1, 0) ||
        !X509_REQ_set_pubkey(r, k) || X509_REQ_sign(r, k, EVP_sha256()) <= 0) {
        X509_REQ_free(r);
        return NULL;
    }
    return r;
}

static int suite_init(void)
{
    char err[256];
    scep_error e;
    our_key = scepsrv_rsa_key(2048);
    our_csr = our_key ? make_csr(our_key, "host.example.net") : NULL;
    if (!our_csr || scep_selfsigned(our_key, our_csr, &our_signer, &e) != SCEP_OK ||
        scepsrv_ca_init(&ca, "test CA", 2048, 0, err, sizeof err) ||
        scepsrv_ca_init(&ra, "test RA CA", 1024, 1, err, sizeof err) ||
        scepsrv_ca_init(&other, "other CA", 1024, 0, err, sizeof err))
        return 1;
    return 0;
}

static int suite_clean(void)
{
    EVP_PKEY_free(our_key);
    X509_REQ_free(our_csr);
    X509_free(our_signer);
    scepsrv_ca_free(&ca);
    scepsrv_ca_free(&ra);
    scepsrv_ca_free(&other);
    scepsrv_cleanup();
    scep_libctx_free();
    return 0;
}

/* One request/answer exchange. */
typedef struct xchg {
    scep_msg_in m;
    unsigned char *req_der;
    size_t req_len;
    scepsrv_req req;
    X509 *issued;
    unsigned char *rep_der;
    size_t rep_len;
    scep_certrep out;
    scep_error e;
} xchg;

static void xchg_free(xchg *x)
{
    OPENSSL_free(x->req_der);
    OPENSSL_free(x->rep_der);
    scepsrv_req_clear(&x->req);
    X509_free(x->issued);
    scep_certrep_clear(&x->out);
    memset(x, 0, sizeof *x);
}

/* Build a PKCSReq to c (RA-enc when c has one) and decode it as the server. */
static int send_req(xchg *x, scepsrv_ca *c, const char *digest, const char *cipher)
{
    memset(x, 0, sizeof *x);
    x->m.type = SCEP_MSG_PKCSREQ;
    x->m.csr = our_csr;
    x->m.signer_cert = our_signer;
    x->m.signer_key = our_key;
    x->m.recipient = c->enc ? c->enc : c->cert;
    x->m.ca = c->cert;
    x->m.digest = digest;
    x->m.cipher = cipher;
    scep_rc rc = scep_msg_build(&x->m, &x->req_der, &x->req_len, &x->e);
    CU_ASSERT_EQUAL_FATAL(rc, SCEP_OK);
    char err[256];
    int d = scepsrv_decode(c, x->req_der, x->req_len, &x->req, err, sizeof err);
    if (d)
        fprintf(stderr, "scepsrv_decode: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(d, 0);
    return 0;
}

/* Answer with rep (issued cert for SUCCESS made here) and parse as the client. */
static scep_rc answer(xchg *x, scepsrv_ca *c, scepsrv_reply *rep, X509 *expect_signer)
{
    char err[256];
    if (rep->status == SCEPSRV_SUCCESS && !rep->issued) {
        x->issued = scepsrv_issue_csr(c, x->req.csr);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x->issued);
        rep->issued = x->issued;
    }
    int b = scepsrv_certrep(c, &x->req, rep, &x->rep_der, &x->rep_len, err, sizeof err);
    if (b)
        fprintf(stderr, "scepsrv_certrep: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(b, 0);
    return scep_certrep_parse(x->rep_der, x->rep_len, expect_signer, x->m.sender_nonce,
                              x->m.transaction_id, our_key, our_signer, NULL, &x->out,
                              &x->e);
}

/* ---- the request -------------------------------------------------------- */

static void test_pkcsreq_decodes(void)
{
    xchg x;
    char tid[65];
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(x.req.type, 19);
    /* transactionID: hex SHA-256 of the SubjectPublicKeyInfo, computed here */
    tu_spki_sha256_hex(our_key, tid);
    CU_ASSERT(strcasecmp(x.req.tid, tid) == 0);
    CU_ASSERT_STRING_EQUAL(x.req.tid, x.m.transaction_id);
    CU_ASSERT_EQUAL(x.req.nonce_len, 16);
    CU_ASSERT(memcmp(x.req.nonce, x.m.sender_nonce, 16) == 0);
    CU_ASSERT_EQUAL(X509_cmp(x.req.signer, our_signer), 0);
    CU_ASSERT_STRING_EQUAL(x.req.digest, "SHA256");
    CU_ASSERT_STRING_EQUAL(x.req.cipher, "AES-256-CBC");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.req.csr);
    CU_ASSERT_EQUAL(X509_NAME_cmp(X509_REQ_get_subject_name(x.req.csr),
                                  X509_REQ_get_subject_name(our_csr)),
                    0);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_REQ_get0_pubkey(x.req.csr), our_key), 1);
    CU_ASSERT_EQUAL(X509_REQ_verify(x.req.csr, our_key), 1);
    xchg_free(&x);
}

static void test_nonce_fresh(void)
{
    xchg a, b;
    send_req(&a, &ca, "SHA256", "AES-256-CBC");
    send_req(&b, &ca, "SHA1", "DES-EDE3-CBC");
    CU_ASSERT(memcmp(a.req.nonce, b.req.nonce, 16) != 0);
    CU_ASSERT_STRING_EQUAL(b.req.digest, "SHA1");
    CU_ASSERT_STRING_EQUAL(b.req.cipher, "DES-EDE3-CBC");
    /* same key: same transactionID */
    CU_ASSERT_STRING_EQUAL(a.req.tid, b.req.tid);
    xchg_free(&a);
    xchg_free(&b);
}

static void test_selfsigned(void)
{
    CU_ASSERT_EQUAL(X509_NAME_cmp(X509_get_subject_name(our_signer),
                                  X509_REQ_get_subject_name(our_csr)),
                    0);
    CU_ASSERT_EQUAL(
        X509_NAME_cmp(X509_get_subject_name(our_signer), X509_get_issuer_name(our_signer)),
        0);
    CU_ASSERT_EQUAL(X509_verify(our_signer, our_key), 1);
}

/* ---- CertRep outcomes --------------------------------------------------- */

static void test_success(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .fail_info = -1};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    scep_rc rc = answer(&x, &ca, &rep, ca.cert);
    CU_ASSERT_EQUAL(rc, SCEP_OK);
    CU_ASSERT_EQUAL(x.out.status, SCEP_STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(x.out.transaction_id, x.m.transaction_id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.out.cert);
    CU_ASSERT_EQUAL(X509_cmp(x.out.cert, x.issued), 0);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(x.out.cert), our_key), 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.out.certs);
    CU_ASSERT_EQUAL(sk_X509_num(x.out.certs), 2);
    xchg_free(&x);
}

static void test_pending(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_PENDING, .fail_info = -1};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
    CU_ASSERT_EQUAL(x.out.status, SCEP_STATUS_PENDING);
    CU_ASSERT_PTR_NULL(x.out.cert);
    xchg_free(&x);
}

static void test_failinfo_all(void)
{
    for (int k = 0; k <= 4; k++) {
        xchg x;
        char text[64];
        snprintf(text, sizeof text, "fault injected %d", k);
        scepsrv_reply rep = {.status = SCEPSRV_FAILURE, .fail_info = k, .fail_text = text};
        send_req(&x, &ca, "SHA256", "AES-256-CBC");
        CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
        CU_ASSERT_EQUAL(x.out.status, SCEP_STATUS_FAILURE);
        CU_ASSERT_EQUAL(x.out.fail_info, k);
        CU_ASSERT_PTR_NOT_NULL(strstr(x.out.fail_info_text, text));
        CU_ASSERT_PTR_NULL(x.out.cert);
        xchg_free(&x);
    }
}

/* RFC 8894 defines failInfo 0..4; another number is still a FAILURE, with
 * the number in the text (not "malformed"). */
static void test_failinfo_unknown(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_FAILURE, .fail_info = 17, .fail_text = "policy"};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
    CU_ASSERT_EQUAL(x.out.status, SCEP_STATUS_FAILURE);
    CU_ASSERT_EQUAL(x.out.fail_info, -1);
    CU_ASSERT_STRING_EQUAL(x.out.fail_info_text, "unknown failInfo 17: policy");
    xchg_free(&x);
}

static void test_failure_without_failinfo(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_FAILURE, .fail_info = -1};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
    CU_ASSERT_EQUAL(x.out.status, SCEP_STATUS_FAILURE);
    CU_ASSERT_EQUAL(x.out.fail_info, -1);
    CU_ASSERT_STRING_EQUAL(x.out.fail_info_text, "");
    xchg_free(&x);
}

/* A SUCCESS with one fault flag must give `want` and no certificate. */
static void fault_case(unsigned flags, scep_rc want)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .fail_info = -1, .flags = flags};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    scep_rc rc = answer(&x, &ca, &rep, ca.cert);
    CU_ASSERT_EQUAL(rc, want);
    CU_ASSERT_EQUAL(x.e.code, want);
    CU_ASSERT_PTR_NULL(x.out.cert);
    if (rc != want)
        fprintf(stderr, "flags %#x: got %d (%s) want %d\n", flags, rc, x.e.text, want);
    xchg_free(&x);
}

static void test_bad_nonce(void)
{
    fault_case(SCEPSRV_F_BAD_NONCE, SCEP_E_NONCE_MISMATCH);
}
static void test_bad_tid(void)
{
    fault_case(SCEPSRV_F_BAD_TID, SCEP_E_TRANSID_MISMATCH);
}
static void test_sig_flip(void)
{
    fault_case(SCEPSRV_F_SIG_FLIP, SCEP_E_BAD_SIGNATURE);
}
static void test_sig_otherkey(void)
{
    fault_case(SCEPSRV_F_SIG_OTHERKEY, SCEP_E_BAD_SIGNATURE);
}
static void test_garbage_content(void)
{
    fault_case(SCEPSRV_F_GARBAGE, SCEP_E_MALFORMED);
}

/* PENDING / FAILURE answers are checked just as strictly. */
static void test_pending_bad_nonce(void)
{
    xchg x;
    scepsrv_reply rep = {
        .status = SCEPSRV_PENDING, .fail_info = -1, .flags = SCEPSRV_F_BAD_NONCE};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_E_NONCE_MISMATCH);
    xchg_free(&x);
}

static void test_failure_sig_flip(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_FAILURE,
                         .fail_info = 2,
                         .fail_text = "nope",
                         .flags = SCEPSRV_F_SIG_FLIP};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_E_BAD_SIGNATURE);
    xchg_free(&x);
}

static void test_other_ca(void)
{
    /* Signed (correctly) by another CA: not the signer we expect. */
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS,
                         .fail_info = -1,
                         .sign_cert = other.cert,
                         .sign_key = other.key};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_E_BAD_SIGNATURE);
    CU_ASSERT_PTR_NULL(x.out.cert);
    xchg_free(&x);
}

static void test_mismatch(void)
{
    xchg x;
    EVP_PKEY *k2 = scepsrv_rsa_key(1024);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k2);
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    x.issued = scepsrv_issue(&ca, X509_REQ_get_subject_name(our_csr), k2);
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .fail_info = -1, .issued = x.issued};
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_E_CERT_MISMATCH);
    CU_ASSERT_PTR_NULL(x.out.cert);
    EVP_PKEY_free(k2);
    xchg_free(&x);
}

static void test_wrong_recipient(void)
{
    /* Envelope for someone else: cannot be opened. */
    xchg x;
    scepsrv_reply rep = {
        .status = SCEPSRV_SUCCESS, .fail_info = -1, .recipient = other.cert};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_E_DECRYPT);
    CU_ASSERT_PTR_NULL(x.out.cert);
    xchg_free(&x);
}

static void test_garbage_der(void)
{
    unsigned char junk[300];
    unsigned char nonce[16] = {0};
    scep_certrep out;
    scep_error e;
    memset(&out, 0, sizeof out);
    CU_ASSERT_EQUAL_FATAL(RAND_bytes(junk, sizeof junk), 1);
    junk[0] = 0x30;
    CU_ASSERT_EQUAL(scep_certrep_parse(junk, sizeof junk, ca.cert, nonce, "00", our_key,
                                       our_signer, NULL, &out, &e),
                    SCEP_E_MALFORMED);
    scep_certrep_clear(&out);
    CU_ASSERT_EQUAL(scep_certrep_parse(junk, 0, ca.cert, nonce, "00", our_key, our_signer,
                                       NULL, &out, &e),
                    SCEP_E_MALFORMED);
    scep_certrep_clear(&out);
}

static void test_truncated(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .fail_info = -1};
    send_req(&x, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL_FATAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
    scep_certrep_clear(&x.out);
    memset(&x.out, 0, sizeof x.out);
    scep_rc rc =
        scep_certrep_parse(x.rep_der, x.rep_len - 10, ca.cert, x.m.sender_nonce,
                           x.m.transaction_id, our_key, our_signer, NULL, &x.out, &x.e);
    CU_ASSERT_EQUAL(rc, SCEP_E_MALFORMED);
    CU_ASSERT_PTR_NULL(x.out.cert);
    xchg_free(&x);
}

static void test_des_envelope(void)
{
    /* What the Debian scepserver sends: DES-CBC (legacy provider), SHA-1,
     * senderNonce = our nonce. */
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS,
                         .fail_info = -1,
                         .cipher = "DES-CBC",
                         .digest = "SHA1",
                         .flags = SCEPSRV_F_SAME_NONCE};
    send_req(&x, &ca, "SHA1", "DES-CBC");
    CU_ASSERT_STRING_EQUAL(x.req.cipher, "DES-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(x.out.cert);
    CU_ASSERT_EQUAL(X509_cmp(x.out.cert, x.issued), 0);
    xchg_free(&x);
}

static void test_only_issued_cert(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS,
                         .fail_info = -1,
                         .cipher = "AES-256-CBC",
                         .flags = SCEPSRV_F_NO_CA};
    send_req(&x, &ca, "SHA512", "AES-128-CBC");
    CU_ASSERT_EQUAL(answer(&x, &ca, &rep, ca.cert), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(x.out.cert);
    CU_ASSERT_EQUAL(sk_X509_num(x.out.certs), 1);
    xchg_free(&x);
}

static void test_ra_chain(void)
{
    xchg x;
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .fail_info = -1};
    /* the request goes to RA-enc; scepsrv decrypts with the RA-enc key */
    send_req(&x, &ra, "SHA256", "AES-256-CBC");
    CU_ASSERT_PTR_NOT_NULL(x.req.csr);
    /* signed by RA-sign, checked against RA-sign */
    CU_ASSERT_EQUAL(answer(&x, &ra, &rep, ra.sig), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(x.out.cert);
    CU_ASSERT_EQUAL(X509_cmp(x.out.cert, x.issued), 0);
    /* the same reply is not accepted as signed by the CA itself */
    scep_certrep_clear(&x.out);
    memset(&x.out, 0, sizeof x.out);
    CU_ASSERT_EQUAL(scep_certrep_parse(x.rep_der, x.rep_len, ra.cert, x.m.sender_nonce,
                                       x.m.transaction_id, our_key, our_signer, NULL,
                                       &x.out, &x.e),
                    SCEP_E_BAD_SIGNATURE);
    xchg_free(&x);
}

static void test_ra_enc_required(void)
{
    /* A request encrypted to the CA cannot be opened by an RA-enc server. */
    xchg x;
    char err[256];
    memset(&x, 0, sizeof x);
    x.m.type = SCEP_MSG_PKCSREQ;
    x.m.csr = our_csr;
    x.m.signer_cert = our_signer;
    x.m.signer_key = our_key;
    x.m.recipient = ra.cert;
    x.m.ca = ra.cert;
    CU_ASSERT_EQUAL_FATAL(scep_msg_build(&x.m, &x.req_der, &x.req_len, &x.e), SCEP_OK);
    CU_ASSERT_EQUAL(scepsrv_decode(&ra, x.req_der, x.req_len, &x.req, err, sizeof err), 1);
    CU_ASSERT_EQUAL(x.req.decrypted, 0);
    CU_ASSERT_EQUAL(x.req.type, 19);
    xchg_free(&x);
}

/* ---- CertPoll and RenewalReq -------------------------------------------- */

static void test_certpoll(void)
{
    xchg first, poll;
    scepsrv_reply pend = {.status = SCEPSRV_PENDING, .fail_info = -1};
    send_req(&first, &ca, "SHA256", "AES-256-CBC");
    CU_ASSERT_EQUAL_FATAL(answer(&first, &ca, &pend, ca.cert), SCEP_OK);
    CU_ASSERT_EQUAL(first.out.status, SCEP_STATUS_PENDING);

    memset(&poll, 0, sizeof poll);
    poll.m.type = SCEP_MSG_CERTPOLL;
    poll.m.poll_subject = X509_REQ_get_subject_name(our_csr);
    poll.m.signer_cert = our_signer;
    poll.m.signer_key = our_key;
    poll.m.recipient = ca.cert;
    poll.m.ca = ca.cert;
    poll.m.digest = "SHA256";
    poll.m.cipher = "AES-256-CBC";
    snprintf(poll.m.transaction_id, sizeof poll.m.transaction_id, "%s",
             first.m.transaction_id);
    CU_ASSERT_EQUAL_FATAL(scep_msg_build(&poll.m, &poll.req_der, &poll.req_len, &poll.e),
                          SCEP_OK);
    char err[256];
    CU_ASSERT_EQUAL_FATAL(
        scepsrv_decode(&ca, poll.req_der, poll.req_len, &poll.req, err, sizeof err), 0);
    CU_ASSERT_EQUAL(poll.req.type, 20);
    CU_ASSERT_STRING_EQUAL(poll.req.tid, first.req.tid);
    CU_ASSERT(memcmp(poll.req.nonce, first.req.nonce, 16) != 0);
    CU_ASSERT_PTR_NULL(poll.req.csr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(poll.req.poll_issuer);
    CU_ASSERT_PTR_NOT_NULL_FATAL(poll.req.poll_subject);
    CU_ASSERT_EQUAL(X509_NAME_cmp(poll.req.poll_issuer, X509_get_subject_name(ca.cert)), 0);
    CU_ASSERT_EQUAL(
        X509_NAME_cmp(poll.req.poll_subject, X509_REQ_get_subject_name(our_csr)), 0);

    /* the poll's answer: SUCCESS with the certificate for the original CSR */
    poll.issued = scepsrv_issue_csr(&ca, first.req.csr);
    scepsrv_reply ok = {.status = SCEPSRV_SUCCESS, .fail_info = -1, .issued = poll.issued};
    CU_ASSERT_EQUAL(answer(&poll, &ca, &ok, ca.cert), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(poll.out.cert);
    CU_ASSERT_EQUAL(X509_cmp(poll.out.cert, poll.issued), 0);
    /* an answer to the poll is not an answer to the first request's nonce */
    scep_certrep_clear(&poll.out);
    memset(&poll.out, 0, sizeof poll.out);
    CU_ASSERT_EQUAL(scep_certrep_parse(poll.rep_der, poll.rep_len, ca.cert,
                                       first.m.sender_nonce, first.m.transaction_id,
                                       our_key, our_signer, NULL, &poll.out, &poll.e),
                    SCEP_E_NONCE_MISMATCH);
    xchg_free(&first);
    xchg_free(&poll);
}

static void test_renewal(void)
{
    /* RenewalReq: signed with the current cert/key, certifies a new key; the
     * server envelopes to the signer (old) certificate. */
    xchg x;
    char err[256];
    EVP_PKEY *newkey = scepsrv_rsa_key(1024);
    X509_REQ *csr2 = newkey ? make_csr(newkey, "host.example.net") : NULL;
    X509 *current = scepsrv_issue_csr(&ca, our_csr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csr2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(current);
    memset(&x, 0, sizeof x);
    x.m.type = SCEP_MSG_RENEWALREQ;
    x.m.csr = csr2;
    x.m.signer_cert = current;
    x.m.signer_key = our_key;
    x.m.recipient = ca.cert;
    x.m.ca = ca.cert;
    CU_ASSERT_EQUAL_FATAL(scep_msg_build(&x.m, &x.req_der, &x.req_len, &x.e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(
        scepsrv_decode(&ca, x.req_der, x.req_len, &x.req, err, sizeof err), 0);
    CU_ASSERT_EQUAL(x.req.type, 17);
    CU_ASSERT_EQUAL(X509_cmp(x.req.signer, current), 0);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_REQ_get0_pubkey(x.req.csr), newkey), 1);
    x.issued = scepsrv_issue_csr(&ca, x.req.csr);
    scepsrv_reply rep = {.status = SCEPSRV_SUCCESS, .fail_info = -1, .issued = x.issued};
    CU_ASSERT_EQUAL_FATAL(
        scepsrv_certrep(&ca, &x.req, &rep, &x.rep_der, &x.rep_len, err, sizeof err), 0);
    scep_rc rc =
        scep_certrep_parse(x.rep_der, x.rep_len, ca.cert, x.m.sender_nonce,
                           x.m.transaction_id, our_key, current, newkey, &x.out, &x.e);
    CU_ASSERT_EQUAL(rc, SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(x.out.cert);
    CU_ASSERT_EQUAL(X509_cmp(x.out.cert, x.issued), 0);
    /* the renewed cert is not for the old key */
    scep_certrep_clear(&x.out);
    memset(&x.out, 0, sizeof x.out);
    CU_ASSERT_EQUAL(scep_certrep_parse(x.rep_der, x.rep_len, ca.cert, x.m.sender_nonce,
                                       x.m.transaction_id, our_key, current, NULL, &x.out,
                                       &x.e),
                    SCEP_E_CERT_MISMATCH);
    xchg_free(&x);
    X509_free(current);
    X509_REQ_free(csr2);
    EVP_PKEY_free(newkey);
}

/* ---- CertReps captured from the real Debian scepserver ------------------ */

typedef struct debian {
    X509 *ca, *signer;
    EVP_PKEY *key;
    char tid[65];
    unsigned char success_nonce[16], failure_nonce[16];
} debian;

static int hex16(const char *h, unsigned char out[16])
{
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

static FILE *fx_open(const char *name, const char *mode)
{
    char path[1024];
    tu_fixture_path(path, sizeof path, name);
    return fopen(path, mode);
}

static int debian_load(debian *d)
{
    char line[256], hex[65];
    memset(d, 0, sizeof d[0]);
    FILE *f = fx_open("fault-debian-ca.der", "rb");
    if (f) {
        d->ca = d2i_X509_fp(f, NULL);
        fclose(f);
    }
    if ((f = fx_open("fault-debian-signer.pem", "r"))) {
        d->signer = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    if ((f = fx_open("fault-debian-key.pem", "r"))) {
        d->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    int got = 0;
    if ((f = fx_open("fault-debian.txt", "r"))) {
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "tid %64s", d->tid) == 1)
                got |= 1;
            else if (sscanf(line, "success-nonce %32s", hex) == 1 &&
                     hex16(hex, d->success_nonce) == 0)
                got |= 2;
            else if (sscanf(line, "failure-nonce %32s", hex) == 1 &&
                     hex16(hex, d->failure_nonce) == 0)
                got |= 4;
        }
        fclose(f);
    }
    return d->ca && d->signer && d->key && got == 7 ? 0 : -1;
}

static void debian_free(debian *d)
{
    X509_free(d->ca);
    X509_free(d->signer);
    EVP_PKEY_free(d->key);
}

static unsigned char *fx_read(const char *name, size_t *len)
{
    char path[1024];
    tu_fixture_path(path, sizeof path, name);
    return tu_read(path, len);
}

static void test_debian_success(void)
{
    debian d;
    size_t len = 0;
    scep_certrep out;
    scep_error e;
    memset(&out, 0, sizeof out);
    CU_ASSERT_EQUAL_FATAL(debian_load(&d), 0);
    unsigned char *der = fx_read("fault-debian-success.der", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(der);
    /* SHA-1 signature by a CA without digitalSignature, DES-CBC envelope */
    scep_rc rc = scep_certrep_parse(der, len, d.ca, d.success_nonce, d.tid, d.key, d.signer,
                                    NULL, &out, &e);
    CU_ASSERT_EQUAL(rc, SCEP_OK);
    CU_ASSERT_EQUAL(out.status, SCEP_STATUS_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL(out.cert);
    if (out.cert) {
        CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(out.cert), d.key), 1);
        CU_ASSERT_EQUAL(
            X509_NAME_cmp(X509_get_issuer_name(out.cert), X509_get_subject_name(d.ca)), 0);
        CU_ASSERT_EQUAL(
            X509_NAME_cmp(X509_get_subject_name(out.cert), X509_get_subject_name(d.signer)),
            0);
    }
    scep_certrep_clear(&out);
    memset(&out, 0, sizeof out);
    /* the same reply checked against the other request's nonce */
    CU_ASSERT_EQUAL(scep_certrep_parse(der, len, d.ca, d.failure_nonce, d.tid, d.key,
                                       d.signer, NULL, &out, &e),
                    SCEP_E_NONCE_MISMATCH);
    scep_certrep_clear(&out);
    memset(&out, 0, sizeof out);
    /* and against a CA it does not come from */
    CU_ASSERT_EQUAL(scep_certrep_parse(der, len, ca.cert, d.success_nonce, d.tid, d.key,
                                       d.signer, NULL, &out, &e),
                    SCEP_E_BAD_SIGNATURE);
    scep_certrep_clear(&out);
    free(der);
    debian_free(&d);
}

static void test_debian_failure(void)
{
    debian d;
    size_t len = 0;
    scep_certrep out;
    scep_error e;
    memset(&out, 0, sizeof out);
    CU_ASSERT_EQUAL_FATAL(debian_load(&d), 0);
    unsigned char *der = fx_read("fault-debian-failure.der", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(der);
    CU_ASSERT_EQUAL(scep_certrep_parse(der, len, d.ca, d.failure_nonce, d.tid, d.key,
                                       d.signer, NULL, &out, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(out.status, SCEP_STATUS_FAILURE);
    CU_ASSERT_EQUAL(out.fail_info, 2);
    CU_ASSERT_PTR_NULL(out.cert);
    scep_certrep_clear(&out);
    free(der);
    debian_free(&d);
}

int main(void)
{
    static const tu_case cases[] = {
        {"PKCSReq decodes as a server sees it", test_pkcsreq_decodes},
        {"fresh senderNonce, stable transactionID", test_nonce_fresh},
        {"self-signed signer certificate", test_selfsigned},
        {"SUCCESS returns the cert for our key", test_success},
        {"PENDING", test_pending},
        {"FAILURE failInfo 0..4 with text", test_failinfo_all},
        {"FAILURE without failInfo", test_failure_without_failinfo},
        {"FAILURE with an unknown failInfo number", test_failinfo_unknown},
        {"wrong recipientNonce", test_bad_nonce},
        {"wrong transactionID", test_bad_tid},
        {"signature byte flipped", test_sig_flip},
        {"signed with another key", test_sig_otherkey},
        {"signed by a different CA", test_other_ca},
        {"garbage signed content", test_garbage_content},
        {"PENDING with a wrong nonce", test_pending_bad_nonce},
        {"FAILURE with a bad signature", test_failure_sig_flip},
        {"certificate for another key", test_mismatch},
        {"envelope for another recipient", test_wrong_recipient},
        {"garbage DER", test_garbage_der},
        {"truncated CertRep", test_truncated},
        {"DES-CBC envelope, SHA-1, same nonce", test_des_envelope},
        {"only the issued certificate", test_only_issued_cert},
        {"RA chain: RA-enc and RA-sign", test_ra_chain},
        {"request to the CA refused by RA server", test_ra_enc_required},
        {"CertPoll: same transactionID, IssuerAndSubject", test_certpoll},
        {"RenewalReq: old signer, new key", test_renewal},
        {"Debian scepserver SUCCESS (DES, SHA-1)", test_debian_success},
        {"Debian scepserver FAILURE badRequest", test_debian_failure},
        {NULL, NULL}};
    return tu_run_fixture("pkimsg", cases, suite_init, suite_clean);
}
