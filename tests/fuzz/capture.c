/*
 * capture.c - fuzz_capture: record what a real SCEP server answers as seeds
 * of the fuzz targets. Run by capture.sh against the Debian scepserver serving
 * the CA of fixtures/; never by make check.
 *
 *   fuzz_capture URL CORPUS TAG CHALLENGE
 *
 * GetCACaps -> CORPUS/fuzz_caps/TAG, GetCACert -> CORPUS/fuzz_cacert/TAG, then
 * a PKCSReq built by libscep in the fixed context of fuzzctx.h (the client key
 * and self-signed certificate of fixtures/, senderNonce 00 11 .. ff,
 * transactionID FUZZ_TID) -> the CertRep in CORPUS/fuzz_certrep/TAG. The
 * CertRep is then parsed as the client does and the outcome printed, so that
 * the capture log says what each seed is. Exit 0 when the three answers were
 * HTTP 200 with a body and the CertRep is one of the fixed context.
 */
#include "config.h"

#include "fuzz.h"
#include "fuzzctx.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libscep draws one random value for a PKCSReq: the senderNonce. */
static int fixed_rand(void *ctx, unsigned char *buf, size_t n)
{
    const fuzz_ctx *c = ctx;
    for (size_t i = 0; i < n; i++)
        buf[i] = c->nonce[i % sizeof c->nonce];
    return 0;
}

static int save(const char *corpus, const char *target, const char *tag,
                const scep_http_resp *r)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", corpus, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", corpus, target, tag);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(r->body, 1, r->body_len, f) != r->body_len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_capture: %s: %s\n", path, strerror(errno));
        return -1;
    }
    printf("fuzz_capture: %s/%s: HTTP %ld, %zu octets, %s\n", target, tag, r->status,
           r->body_len, r->content_type[0] ? r->content_type : "no content type");
    return 0;
}

static int ask(const scep_settings *s, const char *op, const unsigned char *body,
               size_t len, scep_http_resp *r)
{
    scep_http_req req = {.operation = op, .body = body, .body_len = len};
    scep_error e;
    scep_error_clear(&e);
    if (scep_http_curl(NULL, s, &req, r, &e) != SCEP_OK || r->status != 200 ||
        r->body_len == 0) {
        fprintf(stderr, "fuzz_capture: %s: HTTP %ld %s\n", op, r->status, e.text);
        return -1;
    }
    return 0;
}

/* The PKCSReq of the fixed context (DER, OPENSSL_free) or NULL. */
static unsigned char *pkcsreq(fuzz_ctx *c, const scep_ca *ca, unsigned caps,
                              const char *challenge, size_t *len)
{
    scep_params p;
    scep_error e;
    X509_REQ *csr = NULL;
    unsigned char *der = NULL;
    scep_error_clear(&e);
    scep_params_init(&p);
    p.bits = 1024;
    snprintf(p.name, sizeof p.name, "fuzz");
    snprintf(p.cn, sizeof p.cn, "fuzz.example");
    snprintf(p.challenge, sizeof p.challenge, "%s", challenge);
    scep_msg_in m = {.type = SCEP_MSG_PKCSREQ,
                     .signer_cert = c->cert,
                     .signer_key = c->key,
                     .recipient = ca->enc,
                     .ca = ca->ca,
                     .digest = scep_caps_digest(caps),
                     .cipher = scep_caps_cipher(caps)};
    snprintf(m.transaction_id, sizeof m.transaction_id, "%s", FUZZ_TID);
    if (scep_csr_build(c->key, &p, &csr, &e) == SCEP_OK) {
        m.csr = csr;
        if (scep_msg_build(&m, &der, len, &e) != SCEP_OK)
            der = NULL;
    }
    if (!der)
        fprintf(stderr, "fuzz_capture: PKCSReq: %s\n", e.text);
    else if (memcmp(m.sender_nonce, c->nonce, sizeof c->nonce) != 0) {
        fprintf(stderr, "fuzz_capture: the PKCSReq is not of the fixed context\n");
        OPENSSL_free(der);
        der = NULL;
    }
    scep_params_wipe(&p);
    X509_REQ_free(csr);
    return der;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fuzz_capture URL CORPUS TAG CHALLENGE\n");
        return 2;
    }
    const char *corpus = argv[2], *tag = argv[3];
    fuzz_ctx c;
    scep_settings s;
    scep_http_resp caps_r = {0}, ca_r = {0}, rep_r = {0};
    scep_ca ca = {0};
    scep_error e;
    int rc = 1;

    fuzz_init();
    if (fuzz_ctx_load(&c) != 0)
        return 1;
    scep_set_rand(fixed_rand, &c);
    scep_error_clear(&e);
    scep_settings_init(&s);
    snprintf(s.url, sizeof s.url, "%s", argv[1]);
    mkdir(corpus, 0755);
    if (ask(&s, "GetCACaps", NULL, 0, &caps_r) || save(corpus, "fuzz_caps", tag, &caps_r) ||
        ask(&s, "GetCACert", NULL, 0, &ca_r) || save(corpus, "fuzz_cacert", tag, &ca_r))
        goto out;
    if (scep_ca_parse(ca_r.body, ca_r.body_len, ca_r.content_type, &ca, &e) != SCEP_OK) {
        fprintf(stderr, "fuzz_capture: GetCACert: %s\n", e.text);
        goto out;
    }
    if (X509_cmp(ca.ca, c.ca) != 0) {
        fprintf(stderr, "fuzz_capture: the server's CA is not the one of fixtures/\n");
        goto out;
    }
    unsigned caps = scep_caps_parse((const char *)caps_r.body, caps_r.body_len);
    size_t len = 0;
    unsigned char *der = pkcsreq(&c, &ca, caps, argv[4], &len);
    if (!der)
        goto out;
    int bad = ask(&s, "PKIOperation", der, len, &rep_r);
    OPENSSL_free(der);
    if (bad || save(corpus, "fuzz_certrep", tag, &rep_r))
        goto out;
    scep_certrep r;
    scep_rc prc = scep_certrep_parse(rep_r.body, rep_r.body_len, ca.sig, c.nonce, FUZZ_TID,
                                     c.key, c.cert, NULL, &r, &e);
    printf("fuzz_capture: %s: CertRep %s, pkiStatus %d, failInfo %d%s%s\n", tag,
           scep_rc_name(prc), prc ? -1 : r.status, r.fail_info, e.text[0] ? ": " : "",
           e.text);
    scep_certrep_clear(&r);
    rc = prc == SCEP_OK ? 0 : 1;
out:
    scep_ca_clear(&ca);
    scep_http_resp_free(&caps_r);
    scep_http_resp_free(&ca_r);
    scep_http_resp_free(&rep_r);
    X509_free(c.cert);
    X509_free(c.ca);
    EVP_PKEY_free(c.key);
    EVP_PKEY_free(c.ca_key);
    scep_global_cleanup();
    return rc;
}
