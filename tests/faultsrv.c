/*
 * faultsrv.c - a fault-injecting SCEP server for the tests ONLY.
 *
 * The tests use the real micromdm scepserver for everything it can do. This
 * server exists for what it cannot (TESTBED.md): PENDING and CertPoll, every
 * failInfo value, RA chains, HTTP errors, garbage, broken signatures/nonces.
 * Every CertRep is built fresh for the request it answers (tests/scepsrv.c):
 * real signature, the request's own transactionID and senderNonce, and then
 * exactly the one fault the mode asks for.
 *
 * Usage:
 *   faultsrv [-p PORT] [-m MODE] [-n N] [-c CAPS] [--ra] [--state-dir DIR]
 *            [--cipher NAME] [--digest NAME] [--crtvalid DAYS] [--ca-bits BITS]
 *            [--same-nonce]
 *
 *   -p PORT   port on 127.0.0.1 (only); 0 (default) picks a free one. In every
 *             case the first line on stdout is "PORT <n>" (flushed), then it serves.
 *   -m MODE   (default ok), see below; MODE:N may also be written "-m MODE -n N".
 *   -c CAPS   GetCACaps answer; words separated by spaces, commas or newlines,
 *             sent one per line. Default:
 *             "Renewal SHA-1 SHA-256 AES DES3 SCEPStandard POSTPKIOperation".
 *             Without POSTPKIOperation a PKIOperation by POST is refused with
 *             HTTP 405 (so a test proves the client used GET).
 *   --ra      GetCACert answers a degenerate PKCS#7 [CA, RA-enc, RA-sign]
 *             (application/x-x509-ca-ra-cert); requests are decrypted with the
 *             RA-enc key and CertReps signed by RA-sign. Same as -m chain.
 *   --state-dir DIR  keep the CA (ca.pem, ra-*.pem) and pending transactions
 *             (txn-<hex of transactionID>.pem) there, so a restarted faultsrv has the
 *             same CA and can finish a pending enrollment.
 *   --cipher NAME    CertRep envelope cipher (default AES-128-CBC; DES-CBC like
 *             the Debian scepserver). --digest NAME: CertRep signature digest
 *             (default: the one the request used). --crtvalid DAYS: validity of
 *             issued certificates (default 365; negative = already expired).
 *   --same-nonce     CertRep senderNonce = request senderNonce (Debian quirk).
 *
 * Modes (PKIOperation only unless noted; GetCACaps/GetCACert always work):
 *   ok          SUCCESS: a certificate for the CSR's key and subject.
 *   pending:N   PENDING for the PKCSReq/RenewalReq and for the first N-1 CertPolls
 *               of that transactionID, SUCCESS on the Nth CertPoll (N >= 1, default
 *               1). A CertPoll whose transactionID is unknown or whose
 *               IssuerAndSubject differs (issuer != CA subject or subject != CSR
 *               subject) gets FAILURE badCertId. Once issued, later CertPolls
 *               return the same certificate.
 *   failinfo:K  FAILURE, failInfo K (0..4), failInfoText "fault injected K".
 *   http:CODE   HTTP status CODE with a text body for PKIOperation.
 *   httpall:CODE  the same for every request (GetCACaps, GetCACert too).
 *   garbage     HTTP 200, 256 random bytes, type application/x-pki-message.
 *   content     a signed CertRep SUCCESS whose content is random bytes.
 *   cagarbage   GetCACert answers random bytes (PKIOperation as ok).
 *   badsig      SUCCESS with one byte of the signature value flipped.
 *   badkey      SUCCESS signed by another key; the real CA cert is shown.
 *   badnonce    SUCCESS with a wrong recipientNonce.
 *   badtid      SUCCESS with a wrong transactionID.
 *   mismatch    SUCCESS, but the certificate is for another key.
 *   slow:S      sleep S seconds before answering PKIOperation, then as ok.
 *   chain       as ok, with --ra.
 *
 * Other messageTypes get FAILURE badRequest; a request that cannot be decoded
 * gets HTTP 500 (like the real server); one whose envelope cannot be opened gets
 * FAILURE badMessageCheck. URL path must be /scep (else 404). Each request is
 * logged on stderr: method, operation, messageType, transactionID, answer.
 * SIGTERM/SIGINT: exit 0 after the last stderr line "faultsrv: exiting after N
 * requests" (N counts every HTTP request). Request size is
 * bounded (1 MiB body, 16 KiB header). One request per connection. The HTTP
 * side (request parsing, answers, the accept loop) is tests/httpd.c.
 */
#include "config.h"

#include "httpd.h"
#include "scepsrv.h"

#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#define DEFAULT_CAPS "Renewal SHA-1 SHA-256 AES DES3 SCEPStandard POSTPKIOperation"

/* clang-format off */
enum mode { M_OK, M_PENDING, M_FAILINFO, M_HTTP, M_HTTPALL, M_GARBAGE, M_CONTENT,
            M_CAGARBAGE, M_BADSIG, M_BADKEY, M_BADNONCE, M_BADTID, M_MISMATCH, M_SLOW,
            M_CHAIN };

static const struct { const char *name; enum mode m; long def; } modes[] = {
    {"ok", M_OK, 0},           {"pending", M_PENDING, 1}, {"failinfo", M_FAILINFO, 2},
    {"http", M_HTTP, 500},     {"httpall", M_HTTPALL, 500}, {"garbage", M_GARBAGE, 0},
    {"content", M_CONTENT, 0}, {"cagarbage", M_CAGARBAGE, 0}, {"badsig", M_BADSIG, 0},
    {"badkey", M_BADKEY, 0},   {"badnonce", M_BADNONCE, 0}, {"badtid", M_BADTID, 0},
    {"mismatch", M_MISMATCH, 0}, {"slow", M_SLOW, 5}, {"chain", M_CHAIN, 0},
};

/* clang-format on */

typedef struct txn {
    char tid[129];
    X509_REQ *csr;
    unsigned polls;
    X509 *issued;
    struct txn *next;
} txn;

typedef struct server {
    enum mode mode;
    long arg;
    char caps[512];
    int post_ok;
    const char *state_dir;
    const char *cipher;
    const char *digest;
    unsigned flags; /* extra SCEPSRV_F_* for every CertRep */
    scepsrv_ca ca;
    txn *txns;
    unsigned long requests;
} server;

/* ---- pending transactions ----------------------------------------------- */

/* State file of a transaction: txn-<hex of the transactionID bytes>.pem */
static void txn_path(const server *s, const char *tid, char *path, size_t n)
{
    char hex[2 * sizeof((txn *)0)->tid + 1] = "";
    size_t len = strnlen(tid, sizeof((txn *)0)->tid);
    if (len && !OPENSSL_buf2hexstr_ex(hex, sizeof hex, NULL, (const unsigned char *)tid,
                                      len, '\0'))
        hex[0] = 0;
    snprintf(path, n, "%s/txn-%s.pem", s->state_dir, hex);
}

static void txn_save(const server *s, const txn *t)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    if (!s->state_dir)
        return;
    txn_path(s, t->tid, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    int ok = fprintf(f, "polls %u\n", t->polls) > 0 && PEM_write_X509_REQ(f, t->csr) &&
             (!t->issued || PEM_write_X509(f, t->issued));
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
        fprintf(stderr, "faultsrv: cannot save %s\n", path);
        remove(tmp);
    }
}

static void txn_load_all(server *s)
{
    DIR *d = opendir(s->state_dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "txn-", 4) != 0 || n < 10 || n - 8 > 2 * 128 ||
            (n - 8) % 2 || strcmp(de->d_name + n - 4, ".pem") != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", s->state_dir, de->d_name);
        FILE *f = fopen(path, "r");
        txn *t = f ? calloc(1, sizeof *t) : NULL;
        char hex[2 * sizeof t->tid + 1];
        size_t tidlen = 0;
        snprintf(hex, sizeof hex, "%.*s", (int)(n - 8), de->d_name + 4);
        if (t && fscanf(f, "polls %u\n", &t->polls) == 1 &&
            OPENSSL_hexstr2buf_ex((unsigned char *)t->tid, sizeof t->tid - 1, &tidlen, hex,
                                  '\0') &&
            (t->csr = PEM_read_X509_REQ(f, NULL, NULL, NULL))) {
            t->issued = PEM_read_X509(f, NULL, NULL, NULL);
            t->next = s->txns;
            s->txns = t;
            fprintf(stderr, "faultsrv: resumed transaction %s (%u polls)\n", t->tid,
                    t->polls);
        } else if (t) {
            X509_REQ_free(t->csr);
            free(t);
        }
        if (f)
            fclose(f);
        ERR_clear_error();
    }
    closedir(d);
}

static txn *txn_find(server *s, const char *tid)
{
    for (txn *t = s->txns; t; t = t->next)
        if (strcmp(t->tid, tid) == 0)
            return t;
    return NULL;
}

/* ---- SCEP --------------------------------------------------------------- */

/* A PENDING or SUCCESS answer: no failInfo. */
static void answer_status(scepsrv_reply *rep, int status)
{
    rep->status = status;
    rep->fail_info = -1;
    rep->fail_text = NULL;
}

/* The answer to a decoded PKIOperation: fills rep (issued certs go to *owned). */
static void decide(server *s, const scepsrv_req *req, scepsrv_reply *rep, X509 **owned,
                   char *text, size_t textlen)
{
    rep->status = SCEPSRV_FAILURE;
    rep->fail_info = SCEPSRV_BADREQ;
    rep->fail_text = text;
    int is_req = req->type == SCEPSRV_PKCSREQ || req->type == SCEPSRV_RENEWALREQ;
    if (!is_req && req->type != SCEPSRV_CERTPOLL) {
        snprintf(text, textlen, "messageType %d not supported", req->type);
        return;
    }
    if (s->mode == M_FAILINFO) {
        rep->fail_info = (int)s->arg;
        snprintf(text, textlen, "fault injected %ld", s->arg);
        return;
    }
    if (is_req && s->mode == M_PENDING) {
        txn *t = txn_find(s, req->tid);
        if (!t) {
            t = calloc(1, sizeof *t);
            if (!t || !(t->csr = X509_REQ_dup(req->csr))) {
                free(t);
                snprintf(text, textlen, "out of memory");
                return;
            }
            snprintf(t->tid, sizeof t->tid, "%s", req->tid);
            t->next = s->txns;
            s->txns = t;
            txn_save(s, t);
        }
        answer_status(rep, SCEPSRV_PENDING);
        return;
    }
    if (is_req) {
        EVP_PKEY *other = s->mode == M_MISMATCH ? scepsrv_rsa_key(1024) : NULL;
        *owned = other ? scepsrv_issue(&s->ca, X509_REQ_get_subject_name(req->csr), other)
                       : scepsrv_issue_csr(&s->ca, req->csr);
        EVP_PKEY_free(other);
    } else {
        txn *t = txn_find(s, req->tid);
        rep->fail_info = SCEPSRV_BADCERTID;
        if (!t) {
            snprintf(text, textlen, "unknown transactionID");
            return;
        }
        if (X509_NAME_cmp(req->poll_issuer, X509_get_subject_name(s->ca.cert)) != 0 ||
            X509_NAME_cmp(req->poll_subject, X509_REQ_get_subject_name(t->csr)) != 0) {
            snprintf(text, textlen, "IssuerAndSubject does not match the transaction");
            return;
        }
        t->polls++;
        if (s->mode == M_PENDING && !t->issued && t->polls < (unsigned long)s->arg) {
            txn_save(s, t);
            answer_status(rep, SCEPSRV_PENDING);
            return;
        }
        if (!t->issued)
            t->issued = scepsrv_issue_csr(&s->ca, t->csr);
        txn_save(s, t);
        if (t->issued)
            X509_up_ref(t->issued);
        *owned = t->issued;
    }
    if (!*owned) {
        snprintf(text, textlen, "cannot issue the certificate");
        return;
    }
    answer_status(rep, SCEPSRV_SUCCESS);
    rep->issued = *owned;
}

static void pkioperation(server *s, int fd, const httpd_req *r)
{
    scepsrv_req req;
    scepsrv_reply rep = {0};
    X509 *issued = NULL;
    unsigned char *der = NULL;
    size_t len = 0;
    char err[256], text[256] = "";

    int rc = scepsrv_decode(&s->ca, r->msg, r->msg_len, &req, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "faultsrv: %s PKIOperation undecodable: %s -> 500\n", r->method,
                err);
        httpd_respond_text(fd, 500, err);
        scepsrv_req_clear(&req);
        return;
    }
    if (rc > 0) {
        rep.status = SCEPSRV_FAILURE;
        rep.fail_info = SCEPSRV_BADMSGCHK;
        snprintf(text, sizeof text, "%s", err);
        rep.fail_text = text;
    } else {
        decide(s, &req, &rep, &issued, text, sizeof text);
    }
    rep.cipher = s->cipher;
    rep.digest = s->digest ? s->digest : req.digest[0] ? req.digest : NULL;
    rep.flags = s->flags;
    if (rep.status == SCEPSRV_SUCCESS) {
        static const struct {
            enum mode m;
            unsigned f;
        } fl[] = {{M_BADSIG, SCEPSRV_F_SIG_FLIP},
                  {M_BADKEY, SCEPSRV_F_SIG_OTHERKEY},
                  {M_BADNONCE, SCEPSRV_F_BAD_NONCE},
                  {M_BADTID, SCEPSRV_F_BAD_TID},
                  {M_CONTENT, SCEPSRV_F_GARBAGE}};
        for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
            if (s->mode == fl[i].m)
                rep.flags |= fl[i].f;
    }
    if (scepsrv_certrep(&s->ca, &req, &rep, &der, &len, err, sizeof err)) {
        /* e.g. a digest the request used that we cannot sign with */
        rep.digest = NULL;
        if (scepsrv_certrep(&s->ca, &req, &rep, &der, &len, err, sizeof err)) {
            fprintf(stderr, "faultsrv: CertRep failed: %s -> 500\n", err);
            httpd_respond_text(fd, 500, err);
            goto out;
        }
    }
    fprintf(stderr,
            "faultsrv: %s PKIOperation type=%d tid=%s digest=%s cipher=%s -> "
            "status %d failInfo %d%s%s\n",
            r->method, req.type, req.tid, req.digest, req.cipher, rep.status, rep.fail_info,
            rep.fail_text ? " " : "", rep.fail_text ? rep.fail_text : "");
    httpd_respond(fd, 200, "application/x-pki-message", der, len);
out:
    OPENSSL_free(der);
    X509_free(issued);
    scepsrv_req_clear(&req);
}

static void nap(long secs)
{
    for (long ms = secs * 1000; ms > 0 && !httpd_stopping(); ms -= 100) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void handle(void *ctx, int fd)
{
    server *s = ctx;
    httpd_req r;
    memset(&r, 0, sizeof r);
    int code = httpd_read_request(fd, &r);
    s->requests++;
    if (code) {
        fprintf(stderr, "faultsrv: bad request -> %d\n", code);
        httpd_respond_text(fd, code, "bad request");
        goto out;
    }
    fprintf(stderr, "faultsrv: %s %s operation=%s\n", r.method, r.path, r.operation);
    if (strcmp(r.path, "/scep") != 0) {
        httpd_respond_text(fd, 404, "not found");
        goto out;
    }
    if (strcmp(r.method, "GET") != 0 && strcmp(r.method, "POST") != 0) {
        httpd_respond_text(fd, 405, "method not allowed");
        goto out;
    }
    if (s->mode == M_HTTPALL) {
        httpd_respond_text(fd, (int)s->arg, "fault injected");
        goto out;
    }
    if (strcmp(r.operation, "GetCACaps") == 0) {
        httpd_respond_text(fd, 200, s->caps);
    } else if (strcmp(r.operation, "GetCACert") == 0) {
        unsigned char *der = NULL, junk[256];
        size_t len = 0;
        const char *ct;
        if (s->mode == M_CAGARBAGE && RAND_bytes(junk, sizeof junk) == 1)
            httpd_respond(fd, 200, "application/x-x509-ca-cert", junk, sizeof junk);
        else if (scepsrv_cacert(&s->ca, &der, &len, &ct) == 0)
            httpd_respond(fd, 200, ct, der, len);
        else
            httpd_respond_text(fd, 500, "cannot encode the CA");
        OPENSSL_free(der);
    } else if (strcmp(r.operation, "PKIOperation") == 0) {
        if (strcmp(r.method, "POST") == 0 && !s->post_ok) {
            fprintf(stderr, "faultsrv: POST refused (no POSTPKIOperation) -> 405\n");
            httpd_respond_text(fd, 405,
                               "POST not allowed: POSTPKIOperation not advertised");
            goto out;
        }
        if (!r.msg) {
            httpd_respond_text(fd, 400, "missing message");
            goto out;
        }
        if (s->mode == M_SLOW)
            nap(s->arg);
        if (s->mode == M_HTTP) {
            fprintf(stderr, "faultsrv: PKIOperation -> %ld\n", s->arg);
            httpd_respond_text(fd, (int)s->arg, "fault injected");
        } else if (s->mode == M_GARBAGE) {
            unsigned char junk[256];
            if (RAND_bytes(junk, sizeof junk) != 1)
                memset(junk, 0x42, sizeof junk);
            httpd_respond(fd, 200, "application/x-pki-message", junk, sizeof junk);
        } else {
            pkioperation(s, fd, &r);
        }
    } else {
        httpd_respond_text(fd, 400, "unknown operation");
    }
out:
    free(r.msg);
}

/* ---- main --------------------------------------------------------------- */

static int set_mode(server *s, const char *spec)
{
    char name[32];
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n >= sizeof name)
        return -1;
    memcpy(name, spec, n);
    name[n] = 0;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(name, modes[i].name) != 0)
            continue;
        s->mode = modes[i].m;
        s->arg = modes[i].def;
        if (colon) {
            char *end;
            s->arg = strtol(colon + 1, &end, 10);
            if (*end || colon[1] == 0)
                return -1;
        }
        return 0;
    }
    return -1;
}

static void set_caps(server *s, const char *spec)
{
    char tmp[sizeof s->caps];
    snprintf(tmp, sizeof tmp, "%s", spec);
    s->caps[0] = 0;
    s->post_ok = 0;
    for (char *w = strtok(tmp, " ,\n\r\t"); w; w = strtok(NULL, " ,\n\r\t")) {
        size_t used = strlen(s->caps);
        snprintf(s->caps + used, sizeof s->caps - used, "%s%s", used ? "\n" : "", w);
        if (strcmp(w, "POSTPKIOperation") == 0)
            s->post_ok = 1;
    }
}

static int setup_ca(server *s, unsigned bits, int ra, int valid_days)
{
    char err[256];
    int rc = 1;
    if (s->state_dir) {
        mkdir(s->state_dir, 0700);
        rc = scepsrv_ca_load(&s->ca, s->state_dir, err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "faultsrv: %s\n", err);
            return -1;
        }
    }
    if (rc == 1) {
        if (scepsrv_ca_init(&s->ca, "faultsrv CA", bits, ra, err, sizeof err)) {
            fprintf(stderr, "faultsrv: %s\n", err);
            return -1;
        }
        if (s->state_dir && scepsrv_ca_save(&s->ca, s->state_dir, err, sizeof err)) {
            fprintf(stderr, "faultsrv: %s\n", err);
            return -1;
        }
    }
    if (!ra && s->ca.enc) { /* a state dir made with --ra, used without it */
        EVP_PKEY_free(s->ca.enc_key);
        EVP_PKEY_free(s->ca.sig_key);
        X509_free(s->ca.enc);
        X509_free(s->ca.sig);
        s->ca.enc_key = s->ca.sig_key = NULL;
        s->ca.enc = s->ca.sig = NULL;
    }
    if (ra && !s->ca.enc) {
        fprintf(stderr, "faultsrv: the CA in %s has no RA\n", s->state_dir);
        return -1;
    }
    s->ca.valid_days = valid_days;
    if (s->state_dir)
        txn_load_all(s);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: faultsrv [-p PORT] [-m MODE[:N]] [-n N] [-c CAPS] [--ra]\n"
                    "       [--state-dir DIR] [--cipher NAME] [--digest NAME]\n"
                    "       [--crtvalid DAYS] [--ca-bits BITS] [--same-nonce]\n"
                    "(modes: see the comment at the top of tests/faultsrv.c)\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option lopts[] = {{"ra", no_argument, NULL, 'R'},
                                          {"state-dir", required_argument, NULL, 'S'},
                                          {"cipher", required_argument, NULL, 'C'},
                                          {"digest", required_argument, NULL, 'D'},
                                          {"crtvalid", required_argument, NULL, 'V'},
                                          {"ca-bits", required_argument, NULL, 'B'},
                                          {"same-nonce", no_argument, NULL, 'N'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    server s;
    memset(&s, 0, sizeof s);
    int port = 0, ra = 0, valid = 365, opt, n_given = 0;
    long n = 0;
    unsigned bits = 2048;
    set_caps(&s, DEFAULT_CAPS);
    while ((opt = getopt_long(argc, argv, "p:m:n:c:h", lopts, NULL)) != -1) {
        /* clang-format off */
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'm':
            if (set_mode(&s, optarg)) {
                fprintf(stderr, "faultsrv: bad mode '%s'\n", optarg);
                return usage();
            }
            break;
        case 'n': n = strtol(optarg, NULL, 10); n_given = 1; break;
        case 'c': set_caps(&s, optarg); break;
        case 'R': ra = 1; break;
        case 'S': s.state_dir = optarg; break;
        case 'C': s.cipher = optarg; break;
        case 'D': s.digest = optarg; break;
        case 'V': valid = atoi(optarg); break;
        case 'B': bits = (unsigned)atoi(optarg); break;
        case 'N': s.flags |= SCEPSRV_F_SAME_NONCE; break;
        default: return usage();
        }
        /* clang-format on */
    }
    if (optind != argc || port < 0 || port > 65535)
        return usage();
    if (n_given)
        s.arg = n;
    if (s.mode == M_CHAIN)
        ra = 1;
    if ((s.mode == M_PENDING && s.arg < 1) ||
        (s.mode == M_FAILINFO && (s.arg < 0 || s.arg > 99)) ||
        ((s.mode == M_HTTP || s.mode == M_HTTPALL) && (s.arg < 100 || s.arg > 599))) {
        fprintf(stderr, "faultsrv: bad mode argument %ld\n", s.arg);
        return usage();
    }

    httpd_signals();

    if (!scepsrv_libctx()) {
        fprintf(stderr, "faultsrv: cannot load the OpenSSL legacy provider\n");
        return 1;
    }
    int rc = setup_ca(&s, bits, ra, valid)
                 ? 1
                 : httpd_serve("faultsrv", (unsigned short)port, handle, &s);
    fprintf(stderr, "faultsrv: exiting after %lu requests\n", s.requests);
    while (s.txns) {
        txn *t = s.txns;
        s.txns = t->next;
        X509_REQ_free(t->csr);
        X509_free(t->issued);
        free(t);
    }
    scepsrv_ca_free(&s.ca);
    scepsrv_cleanup();
    return rc;
}
