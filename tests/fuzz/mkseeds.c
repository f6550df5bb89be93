/*
 * mkseeds.c - writes the fixed context of the CertRep target (fixtures/)
 * and the seeds of the CertRep, envelope and GetCACert corpora, with the test
 * server's code (tests/scepsrv.c: the CertReps an RFC 8894 server sends).
 * Run by `scripts/fuzz --seeds`; its output is committed, so a corpus input
 * stays replayable.
 *
 *   mkseeds FIXTURES CORPUS [--new-fixtures]
 */
#include "config.h"

#include "../scepsrv.h"
#include "fuzzctx.h"

#include <limits.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void die(const char *what)
{
    fprintf(stderr, "mkseeds: %s\n", what);
    exit(1);
}

static void put(const char *dir, const char *sub, const char *name, const unsigned char *d,
                size_t n)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0)
        die(path);
}

static void new_fixtures(const char *dir)
{
    char err[256], path[PATH_MAX];
    scepsrv_ca ca;
    if (scepsrv_ca_init(&ca, "fuzz CA", 1024, 0, err, sizeof err) ||
        scepsrv_ca_save(&ca, dir, err, sizeof err))
        die(err);
    scepsrv_ca_free(&ca);
    /* the request's key and self-signed certificate (RFC 8894 2.3) */
    EVP_PKEY *k = EVP_RSA_gen(1024);
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    if (!k || !x || !n ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"fuzz.example", -1, -1, 0) ||
        !X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
        !X509_set_subject_name(x, n) || !X509_set_issuer_name(x, n) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 36500) || !X509_set_pubkey(x, k) ||
        !X509_sign(x, k, EVP_sha256()))
        die("client certificate");
    snprintf(path, sizeof path, "%s/client.pem", dir);
    FILE *f = fopen(path, "w");
    if (!f || !PEM_write_X509(f, x) ||
        !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
        die(path);
    X509_NAME_free(n);
    X509_free(x);
    EVP_PKEY_free(k);
}

static X509_REQ *csr_of(EVP_PKEY *k)
{
    X509_REQ *r = X509_REQ_new();
    X509_NAME *n = X509_NAME_new();
    if (!r || !n ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"fuzz.example", -1, -1, 0) ||
        !X509_REQ_set_subject_name(r, n) || !X509_REQ_set_pubkey(r, k) ||
        !X509_REQ_sign(r, k, EVP_sha256()))
        die("CSR");
    X509_NAME_free(n);
    return r;
}

/* fuzz_envelope: what a SUCCESS envelope holds, decrypted. */
static void envelopes(const char *corpus, scepsrv_ca *ca, X509 *issued)
{
    EVP_PKEY *k = EVP_RSA_gen(1024);
    X509 *other = k ? scepsrv_issue(ca, X509_get_subject_name(issued), k) : NULL;
    if (!other)
        die("other certificate");
    struct {
        const char *name;
        X509 *certs[3];
        int n;
    } v[] = {
        {"issued-ca", {issued, ca->cert}, 2},
        {"ca-issued", {ca->cert, issued}, 2},
        {"issued-only", {issued}, 1},
        {"ca-only", {ca->cert}, 1},
        {"other-key-first", {other, issued, ca->cert}, 3},
        {"no-certificates", {NULL}, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        unsigned char *der = NULL;
        size_t len = 0;
        if (scepsrv_degenerate(v[i].certs, v[i].n, &der, &len))
            die("degenerate PKCS#7");
        put(corpus, "fuzz_envelope", v[i].name, der, len);
        OPENSSL_free(der);
    }
    X509_free(other);
    EVP_PKEY_free(k);
}

static void certreps(const char *corpus, fuzz_ctx *c, scepsrv_ca *ca)
{
    scepsrv_req req;
    memset(&req, 0, sizeof req);
    req.type = 19;
    snprintf(req.tid, sizeof req.tid, "%s", FUZZ_TID);
    memcpy(req.nonce, c->nonce, 16);
    req.nonce_len = 16;
    req.signer = c->cert;
    req.csr = csr_of(c->key);
    X509 *issued = scepsrv_issue_csr(ca, req.csr);
    if (!issued)
        die("issue");
    struct {
        const char *name;
        scepsrv_reply r;
    } v[] = {
        {"success-aes-sha256", {.status = SCEPSRV_SUCCESS, .issued = issued}},
        {"success-des3-sha1",
         {.status = SCEPSRV_SUCCESS,
          .issued = issued,
          .cipher = "DES-EDE3-CBC",
          .digest = "SHA1"}},
        {"success-des-debian",
         {.status = SCEPSRV_SUCCESS,
          .issued = issued,
          .cipher = "DES-CBC",
          .flags = SCEPSRV_F_SAME_NONCE}},
        {"success-sha512",
         {.status = SCEPSRV_SUCCESS, .issued = issued, .digest = "SHA512"}},
        {"success-no-ca",
         {.status = SCEPSRV_SUCCESS, .issued = issued, .flags = SCEPSRV_F_NO_CA}},
        {"success-no-signer-cert",
         {.status = SCEPSRV_SUCCESS, .issued = issued, .flags = SCEPSRV_F_NO_SIGNER_CERT}},
        {"failure-badalg", {.status = SCEPSRV_FAILURE, .fail_info = 0, .fail_text = "alg"}},
        {"failure-badmessagecheck", {.status = SCEPSRV_FAILURE, .fail_info = 1}},
        {"failure-badrequest",
         {.status = SCEPSRV_FAILURE, .fail_info = 2, .fail_text = "no"}},
        {"failure-badtime", {.status = SCEPSRV_FAILURE, .fail_info = 3}},
        {"failure-badcertid", {.status = SCEPSRV_FAILURE, .fail_info = 4}},
        {"failure-no-failinfo", {.status = SCEPSRV_FAILURE, .fail_info = -1}},
        {"pending", {.status = SCEPSRV_PENDING}},
        {"bad-nonce", {.status = SCEPSRV_PENDING, .flags = SCEPSRV_F_BAD_NONCE}},
        {"garbage-content",
         {.status = SCEPSRV_SUCCESS, .issued = issued, .flags = SCEPSRV_F_GARBAGE}},
    };
    char err[256];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        unsigned char *der = NULL;
        size_t len = 0;
        if (scepsrv_certrep(ca, &req, &v[i].r, &der, &len, err, sizeof err))
            die(err);
        put(corpus, "fuzz_certrep", v[i].name, der, len);
        OPENSSL_free(der);
    }
    envelopes(corpus, ca, issued);
    X509_free(issued);
    X509_REQ_free(req.csr);
}

static void cacerts(const char *corpus, scepsrv_ca *ca)
{
    char err[256];
    unsigned char *der = NULL;
    size_t len = 0;
    const char *ct;
    if (scepsrv_cacert(ca, &der, &len, &ct))
        die("GetCACert");
    put(corpus, "fuzz_cacert", "ca-der", der, len);
    free(der);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (!b || !PEM_write_bio_X509(b, ca->cert))
        die("PEM");
    long n = BIO_get_mem_data(b, &pem);
    put(corpus, "fuzz_cacert", "ca-pem", (const unsigned char *)pem, (size_t)n);
    BIO_free(b);
    scepsrv_ca ra;
    if (scepsrv_ca_init(&ra, "fuzz RA CA", 1024, 1, err, sizeof err))
        die(err);
    if (scepsrv_cacert(&ra, &der, &len, &ct))
        die("GetCACert RA");
    put(corpus, "fuzz_cacert", "ca-ra-pkcs7", der, len);
    free(der);
    if (scepsrv_ca_add_root(&ra, "fuzz root", 1024, err, sizeof err) ||
        scepsrv_cacert(&ra, &der, &len, &ct))
        die("GetCACert root");
    put(corpus, "fuzz_cacert", "ca-ra-root-pkcs7", der, len);
    free(der);
    scepsrv_ca_free(&ra);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mkseeds FIXTURES CORPUS [--new-fixtures]\n");
        return 2;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/client.pem", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f || (argc > 3 && !strcmp(argv[3], "--new-fixtures"))) {
        mkdir(argv[1], 0755);
        new_fixtures(argv[1]);
    }
    if (f)
        fclose(f);
    setenv("FUZZ_FIXTURES", argv[1], 1);
    fuzz_ctx c;
    scepsrv_ca ca;
    char err[256];
    if (fuzz_ctx_load(&c) || scepsrv_ca_load(&ca, argv[1], err, sizeof err))
        die("cannot load the fixtures");
    certreps(argv[2], &c, &ca);
    cacerts(argv[2], &ca);
    scepsrv_ca_free(&ca);
    return 0;
}
