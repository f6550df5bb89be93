/*
 * test_integration.c - libscep against the real Debian scepserver (and our
 * fault-injecting faultsrv for what the real one cannot do). Run by
 * integration.sh, which starts the servers in a private network namespace and
 * exports their URLs:
 *   SCEP_URL SCEP_URL_SLOW SCEP_URL_HTTPS SCEP_URL_HTTPS_UNTRUSTED
 *   SCEP_TLS_CABUNDLE SCEP_CHALLENGE SCEP_CA_FPR SCEP_CLOSED_URL
 *   SCEP_WRONG_PATH_URL FAULTSRV SCEP_WORKDIR
 */
#include "config.h"

#include "scep-int.h"
#include "testutil.h"

#include <dirent.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "test_integration: %s is not set (run integration.sh)\n", name);
        exit(99);
    }
    return v;
}

/* ---- a transport wrapper that records the operations sent ---------------- */
typedef struct recorder {
    char ops[16][16];
    int n;
    int posts, gets; /* PKIOperation by method */
} recorder;

static scep_rc record_curl(void *ctx, const scep_settings *s, const scep_http_req *req,
                           scep_http_resp *resp, scep_error *e)
{
    recorder *r = ctx;
    if (r->n < 16)
        snprintf(r->ops[r->n++], sizeof r->ops[0], "%s", req->operation);
    if (!strcmp(req->operation, "PKIOperation"))
        req->body ? r->posts++ : r->gets++;
    return scep_http_curl(NULL, s, req, resp, e);
}

static int recorded(const recorder *r, const char *op)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->ops[i], op))
            return 1;
    return 0;
}

/* ---- fixtures ------------------------------------------------------------ */
typedef struct fx {
    scep_settings s;
    scep_params p;
    scep_keystore *ks;
    scep_client *c;
    recorder rec;
    char *dir;
    scep_error e;
    scep_enroll_result r;
} fx;

static void fx_open(fx *f, const char *url, const char *name)
{
    memset(f, 0, sizeof *f);
    scep_settings_init(&f->s);
    snprintf(f->s.url, sizeof f->s.url, "%s", url);
    f->s.timeout = 10;
    scep_params_init(&f->p);
    snprintf(f->p.name, sizeof f->p.name, "%s", name);
    snprintf(f->p.cn, sizeof f->p.cn, "%s.test.example", name);
    snprintf(f->p.org, sizeof f->p.org, "scep-agentx tests");
    snprintf(f->p.challenge, sizeof f->p.challenge, "%s", env("SCEP_CHALLENGE"));
    f->dir = tu_mkdtemp("integ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->dir);
    char store[4096];
    snprintf(store, sizeof store, "%s/store", f->dir);
    scep_error_clear(&f->e);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(store, 10, &f->ks, &f->e), SCEP_OK);
}

static scep_rc fx_client(fx *f)
{
    scep_client_free(f->c);
    f->c = NULL;
    memset(&f->rec, 0, sizeof f->rec);
    scep_rc rc = scep_client_new(&f->s, &f->c, &f->e);
    if (!rc)
        scep_client_set_transport(f->c, record_curl, &f->rec);
    return rc;
}

static scep_rc fx_enroll(fx *f, const scep_enroll_opts *o)
{
    scep_error_clear(&f->e);
    scep_rc rc = fx_client(f);
    if (rc)
        return rc;
    rc = scep_enroll(f->c, f->ks, &f->p, o, &f->r, &f->e);
    if (rc) {
        char buf[512];
        fprintf(stderr, "  enroll %s: %s\n", f->p.name,
                scep_error_format(&f->e, buf, sizeof buf));
    }
    return rc;
}

/* Nothing but the key store's own bookkeeping may be left after a failure. */
static int store_files(fx *f)
{
    int n = 0;
    DIR *d = opendir(scep_keystore_dir(f->ks));
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.' && strcmp(de->d_name, "pending") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

static void fx_close(fx *f)
{
    scep_client_free(f->c);
    scep_keystore_close(f->ks);
    tu_rmtree(f->dir);
    free(f->dir);
}

static X509 *load_cert(fx *f, const char *name)
{
    char path[4096];
    scep_keystore_cert_path(f->ks, name, path, sizeof path);
    FILE *fp = fopen(path, "r");
    X509 *x = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    if (fp)
        fclose(fp);
    return x;
}

static unsigned file_mode(fx *f, const char *name)
{
    char path[4096];
    struct stat st;
    scep_keystore_key_path(f->ks, name, path, sizeof path);
    return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 0777) : 0;
}

/* ---- real scepserver ----------------------------------------------------- */
static void test_getcaps(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "caps");
    unsigned caps = 0;
    CU_ASSERT_EQUAL_FATAL(fx_client(&f), SCEP_OK);
    CU_ASSERT_EQUAL(scep_get_caps(f.c, &caps, &f.e), SCEP_OK);
    CU_ASSERT(caps & SCEP_CAP_POST);
    CU_ASSERT(caps & SCEP_CAP_RENEWAL);
    CU_ASSERT(caps & SCEP_CAP_AES);
    CU_ASSERT(caps & SCEP_CAP_SHA256);
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(caps), "AES-128-CBC");
    fx_close(&f);
}

static void test_getca(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "ca");
    char fpr[SCEP_FPR_HEX_LEN + 1];
    char *pem = NULL;
    CU_ASSERT_EQUAL_FATAL(fx_client(&f), SCEP_OK);
    CU_ASSERT_EQUAL(scep_get_ca(f.c, fpr, &pem, &f.e), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(fpr, env("SCEP_CA_FPR"));
    CU_ASSERT_PTR_NOT_NULL(pem);
    CU_ASSERT(pem && strstr(pem, "-----BEGIN CERTIFICATE-----") != NULL);
    free(pem);
    fx_close(&f);
}

static void enroll_one(unsigned bits, scep_hash hash, int want_nid)
{
    fx f;
    char name[32];
    snprintf(name, sizeof name, "k%u-%s", bits, scep_hash_name(hash));
    fx_open(&f, env("SCEP_URL"), name);
    f.p.bits = bits;
    f.p.hash = hash;
    f.p.usage = SCEP_USAGE_TLS;
    CU_ASSERT_EQUAL_FATAL(fx_enroll(&f, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(f.r.msg_type, SCEP_MSG_PKCSREQ);
    CU_ASSERT_EQUAL(strlen(f.r.transaction_id), 64);
    CU_ASSERT_STRING_EQUAL(f.r.ca_fpr, env("SCEP_CA_FPR"));
    CU_ASSERT_STRING_EQUAL(f.r.key.name, name);
    CU_ASSERT(strstr(f.r.key.subject, f.p.cn) != NULL);
    CU_ASSERT(f.r.key.has_cert);
    CU_ASSERT_EQUAL(f.r.key.bits, bits);
    CU_ASSERT(f.r.key.not_after > time(NULL));
    CU_ASSERT_EQUAL(f.rec.posts, 1);
    CU_ASSERT_EQUAL(file_mode(&f, name), 0600);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    X509 *x = load_cert(&f, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    /* The Debian server copies the CSR's signature algorithm (TESTBED.md). */
    CU_ASSERT_EQUAL(X509_get_signature_nid(x), want_nid);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    CU_ASSERT_EQUAL(EVP_PKEY_get_bits(pk), (int)bits);
    X509_free(x);
    fx_close(&f);
}

static void test_enroll_2048_sha256(void)
{
    enroll_one(2048, SCEP_HASH_SHA256, NID_sha256WithRSAEncryption);
}
static void test_enroll_2048_sha1(void)
{
    enroll_one(2048, SCEP_HASH_SHA1, NID_sha1WithRSAEncryption);
}
static void test_enroll_2048_sha512(void)
{
    enroll_one(2048, SCEP_HASH_SHA512, NID_sha512WithRSAEncryption);
}
static void test_enroll_4096_sha256(void)
{
    enroll_one(4096, SCEP_HASH_SHA256, NID_sha256WithRSAEncryption);
}

static void test_existing_key(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "prekey");
    EVP_PKEY *k = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_key_generate(2048, NULL, &k, &f.e), SCEP_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/pre.pem", f.dir);
    FILE *fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL);
    fclose(fp);
    scep_enroll_opts o = {.key_file = path};
    CU_ASSERT_EQUAL_FATAL(fx_enroll(&f, &o), SCEP_OK);
    X509 *x = load_cert(&f, "prekey");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(x), k), 1);
    X509_free(x);
    EVP_PKEY_free(k);
    fx_close(&f);
}

static void test_wrong_challenge(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "badchal");
    snprintf(f.p.challenge, sizeof f.p.challenge, "not-the-challenge");
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_FAILINFO_BADREQ);
    CU_ASSERT_EQUAL(f.e.fail_info, 2);
    CU_ASSERT_EQUAL(f.e.http_status, 200);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&f.e, buf, sizeof buf),
                           "Communication error (SCEP ERROR Fail Info 2)");
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    CU_ASSERT_EQUAL(store_files(&f), 0);
    CU_ASSERT_FALSE(scep_pending_exists(f.ks, "badchal"));
    fx_close(&f);
}

static void test_renewal(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "renewme");
    CU_ASSERT_EQUAL_FATAL(fx_enroll(&f, NULL), SCEP_OK);
    scep_keyinfo before = f.r.key;
    scep_enroll_opts o = {.renew_name = "renewme"};
    CU_ASSERT_EQUAL_FATAL(fx_enroll(&f, &o), SCEP_OK);
    CU_ASSERT_EQUAL(f.r.msg_type, SCEP_MSG_RENEWALREQ);
    CU_ASSERT_EQUAL(f.r.key.index, before.index);
    CU_ASSERT_STRING_NOT_EQUAL(f.r.key.serial, before.serial);
    CU_ASSERT_STRING_NOT_EQUAL(f.r.key.sha256, before.sha256);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    CU_ASSERT_EQUAL(f.rec.posts, 1);
    fx_close(&f);
}

static void test_pin_right(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "pinned");
    snprintf(f.s.ca_pin, sizeof f.s.ca_pin, "%s", env("SCEP_CA_FPR"));
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
}

static void test_pin_wrong(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "pinwrong");
    memset(f.s.ca_pin, 'a', SCEP_FPR_HEX_LEN);
    f.s.ca_pin[SCEP_FPR_HEX_LEN] = 0;
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_CA_FINGERPRINT);
    CU_ASSERT_TRUE(recorded(&f.rec, "GetCACert"));
    CU_ASSERT_FALSE(recorded(&f.rec, "PKIOperation"));
    CU_ASSERT_EQUAL(store_files(&f), 0);
    fx_close(&f);
}

static void test_tofu_changed(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "tofu");
    /* A fingerprint seen earlier that is not this CA's: the CA "changed". */
    memset(f.s.ca_seen, 'b', SCEP_FPR_HEX_LEN);
    f.s.ca_seen[SCEP_FPR_HEX_LEN] = 0;
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_CA_CHANGED);
    CU_ASSERT_FALSE(recorded(&f.rec, "PKIOperation"));
    /* The one seen matches: accepted. */
    snprintf(f.s.ca_seen, sizeof f.s.ca_seen, "%s", env("SCEP_CA_FPR"));
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_OK);
    fx_close(&f);
}

static void test_wrong_path_404(void)
{
    fx f;
    fx_open(&f, env("SCEP_WRONG_PATH_URL"), "nopath");
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_HTTP);
    CU_ASSERT_EQUAL(f.e.http_status, 404);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&f.e, buf, sizeof buf),
                           "Communication error (TCP ERROR 404)");
    CU_ASSERT_EQUAL(store_files(&f), 0);
    fx_close(&f);
}

static void test_closed_port(void)
{
    fx f;
    fx_open(&f, env("SCEP_CLOSED_URL"), "closed");
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_TCP);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&f.e, buf, sizeof buf),
                           "Communication error (TCP ERROR)");
    CU_ASSERT(f.e.text[0] != 0); /* the libcurl cause */
    fx_close(&f);
}

static void test_slow_timeout(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL_SLOW"), "slow");
    f.s.timeout = 1;
    time_t t0 = time(NULL);
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_TIMEOUT);
    CU_ASSERT(time(NULL) - t0 <= 10); /* generous: it happens at all */
    CU_ASSERT_TRUE(recorded(&f.rec, "PKIOperation"));
    CU_ASSERT_EQUAL(store_files(&f), 0);
    fx_close(&f);
    sleep(3); /* let the slow verifier finish before the next test */
}

static void test_https_trusted(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL_HTTPS"), "https");
    snprintf(f.s.cacert_bundle, sizeof f.s.cacert_bundle, "%s", env("SCEP_TLS_CABUNDLE"));
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
}

static void test_https_untrusted(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL_HTTPS_UNTRUSTED"), "httpsbad");
    snprintf(f.s.cacert_bundle, sizeof f.s.cacert_bundle, "%s", env("SCEP_TLS_CABUNDLE"));
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_TLS_VERIFY);
    CU_ASSERT_FALSE(recorded(&f.rec, "PKIOperation"));
    CU_ASSERT_EQUAL(store_files(&f), 0);
    fx_close(&f);
}

static void test_store_full_before_keygen(void)
{
    fx f;
    fx_open(&f, env("SCEP_URL"), "full1");
    scep_keystore_set_capacity(f.ks, 1);
    CU_ASSERT_EQUAL_FATAL(fx_enroll(&f, NULL), SCEP_OK);
    snprintf(f.p.name, sizeof f.p.name, "full2");
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_KEYSTORE_FULL);
    CU_ASSERT_EQUAL(f.rec.n, 0); /* refused before any request */
    char buf[256];
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&f.e, buf, sizeof buf),
                           "Key and certificate registration limit");
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
}

/* ---- fault-injecting server ---------------------------------------------- */
typedef struct faultsrv {
    pid_t pid;
    char url[128];
} faultsrv;

static int faultsrv_start(faultsrv *s, const char *mode, const char *caps,
                          const char *extra)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        const char *argv[10];
        int n = 0;
        argv[n++] = env("FAULTSRV");
        argv[n++] = "-p";
        argv[n++] = "0";
        argv[n++] = "-m";
        argv[n++] = mode;
        if (caps) {
            argv[n++] = "-c";
            argv[n++] = caps;
        }
        if (extra)
            argv[n++] = extra;
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[64] = "";
    int port = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "PORT %d", &port) == 1)
            break;
    if (f)
        fclose(f);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d/scep", port);
    return port > 0 ? 0 : -1;
}

static void faultsrv_stop(faultsrv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

/* Enroll against a fault mode; returns the result code and leaves f open. */
static scep_rc fault_enroll(fx *f, faultsrv *s, const char *mode, const char *caps,
                            const char *extra, const char *name)
{
    if (faultsrv_start(s, mode, caps, extra) != 0) {
        CU_FAIL("faultsrv did not start");
        return SCEP_E_INTERNAL;
    }
    fx_open(f, s->url, name);
    return fx_enroll(f, NULL);
}

static void test_fault_failinfo(void)
{
    static const char *const texts[] = {
        "Communication error (SCEP ERROR Fail Info 0)",
        "Communication error (SCEP ERROR Fail Info 1)",
        "Communication error (SCEP ERROR Fail Info 2)",
        "Communication error (SCEP ERROR Fail Info 3)",
        "Communication error (SCEP ERROR Fail Info 4)",
    };
    for (int k = 0; k <= 4; k++) {
        fx f;
        faultsrv s;
        char mode[32];
        snprintf(mode, sizeof mode, "failinfo:%d", k);
        CU_ASSERT_EQUAL(fault_enroll(&f, &s, mode, NULL, NULL, "fi"),
                        (scep_rc)(SCEP_E_FAILINFO_BADALG + k));
        CU_ASSERT_EQUAL(f.e.fail_info, k);
        CU_ASSERT(strstr(f.e.text, "fault injected") != NULL); /* failInfoText */
        char buf[256];
        CU_ASSERT_STRING_EQUAL(scep_error_detail(&f.e, buf, sizeof buf), texts[k]);
        CU_ASSERT_EQUAL(store_files(&f), 0);
        CU_ASSERT_FALSE(scep_pending_exists(f.ks, "fi"));
        fx_close(&f);
        faultsrv_stop(&s);
    }
}

static void fault_expect(const char *mode, const char *caps, scep_rc want)
{
    fx f;
    faultsrv s;
    scep_rc rc = fault_enroll(&f, &s, mode, caps, NULL, "fault");
    if (rc != want)
        fprintf(stderr, "  mode %s: got %s, want %s\n", mode, scep_rc_name(rc),
                scep_rc_name(want));
    CU_ASSERT_EQUAL(rc, want);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    CU_ASSERT_EQUAL(store_files(&f), 0);
    CU_ASSERT_FALSE(scep_pending_exists(f.ks, "fault"));
    fx_close(&f);
    faultsrv_stop(&s);
}

static void test_fault_http500(void)
{
    fx f;
    faultsrv s;
    CU_ASSERT_EQUAL(fault_enroll(&f, &s, "http:500", NULL, NULL, "h500"), SCEP_E_HTTP);
    CU_ASSERT_EQUAL(f.e.http_status, 500);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&f.e, buf, sizeof buf),
                           "Communication error (TCP ERROR 500)");
    CU_ASSERT_EQUAL(store_files(&f), 0);
    fx_close(&f);
    faultsrv_stop(&s);
}

static void test_fault_garbage(void)
{
    fault_expect("garbage", NULL, SCEP_E_MALFORMED);
}
static void test_fault_badsig(void)
{
    fault_expect("badsig", NULL, SCEP_E_BAD_SIGNATURE);
}
static void test_fault_badnonce(void)
{
    fault_expect("badnonce", NULL, SCEP_E_NONCE_MISMATCH);
}
static void test_fault_badtid(void)
{
    fault_expect("badtid", NULL, SCEP_E_TRANSID_MISMATCH);
}
static void test_fault_mismatch(void)
{
    fault_expect("mismatch", NULL, SCEP_E_CERT_MISMATCH);
}

static void test_fault_chain(void)
{
    fx f;
    faultsrv s;
    CU_ASSERT_EQUAL(fault_enroll(&f, &s, "chain", NULL, NULL, "chain"), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
    faultsrv_stop(&s);
}

static void test_fault_get(void)
{
    fx f;
    faultsrv s;
    CU_ASSERT_EQUAL(fault_enroll(&f, &s, "ok", "SHA-256\nAES", NULL, "viaget"), SCEP_OK);
    CU_ASSERT_EQUAL(f.rec.gets, 1);
    CU_ASSERT_EQUAL(f.rec.posts, 0);
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    fx_close(&f);
    faultsrv_stop(&s);
}

static void test_fault_pending_then_success(void)
{
    fx f;
    faultsrv s;
    CU_ASSERT_EQUAL_FATAL(fault_enroll(&f, &s, "pending:2", NULL, NULL, "pend"),
                          SCEP_E_PENDING);
    char tid[65];
    memcpy(tid, f.r.transaction_id, sizeof tid);
    CU_ASSERT_EQUAL(strlen(tid), 64);
    CU_ASSERT_TRUE(scep_pending_exists(f.ks, "pend"));
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 0);
    /* A second enroll of the same name is refused: it must be polled. */
    CU_ASSERT_EQUAL(fx_enroll(&f, NULL), SCEP_E_EXISTS);

    /* Poll once (still pending), then "restart": new client, reopened store. */
    CU_ASSERT_EQUAL_FATAL(fx_client(&f), SCEP_OK);
    CU_ASSERT_EQUAL(scep_poll(f.c, f.ks, "pend", &f.r, &f.e), SCEP_E_PENDING);
    CU_ASSERT_STRING_EQUAL(f.r.transaction_id, tid);
    CU_ASSERT_EQUAL(f.r.polls, 1);
    char store[4096];
    snprintf(store, sizeof store, "%s", scep_keystore_dir(f.ks));
    scep_keystore_close(f.ks);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(store, 10, &f.ks, &f.e), SCEP_OK);
    CU_ASSERT_TRUE(scep_pending_exists(f.ks, "pend"));
    CU_ASSERT_EQUAL_FATAL(fx_client(&f), SCEP_OK);
    CU_ASSERT_EQUAL(scep_poll(f.c, f.ks, "pend", &f.r, &f.e), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(f.r.transaction_id, tid);
    CU_ASSERT_EQUAL(f.r.msg_type, SCEP_MSG_CERTPOLL);
    CU_ASSERT_EQUAL(f.r.polls, 2);
    CU_ASSERT_FALSE(scep_pending_exists(f.ks, "pend"));
    CU_ASSERT_EQUAL(scep_keystore_count(f.ks), 1);
    CU_ASSERT_TRUE(scep_keystore_exists(f.ks, "pend"));
    fx_close(&f);
    faultsrv_stop(&s);
}

static void test_fault_pending_then_failure(void)
{
    /* The server forgets the transaction (restarted without state): its CertPoll
     * answer is FAILURE badCertId, which ends the transaction; nothing is kept. */
    fx f;
    faultsrv s;
    CU_ASSERT_EQUAL_FATAL(fault_enroll(&f, &s, "pending:2", NULL, NULL, "pf"),
                          SCEP_E_PENDING);
    faultsrv_stop(&s);
    CU_ASSERT_EQUAL_FATAL(faultsrv_start(&s, "pending:2", NULL, NULL), 0);
    snprintf(f.s.url, sizeof f.s.url, "%s", s.url);
    CU_ASSERT_EQUAL_FATAL(fx_client(&f), SCEP_OK);
    CU_ASSERT_EQUAL(scep_poll(f.c, f.ks, "pf", &f.r, &f.e), SCEP_E_FAILINFO_BADCERTID);
    CU_ASSERT_EQUAL(f.e.fail_info, 4);
    CU_ASSERT_FALSE(scep_pending_exists(f.ks, "pf"));
    CU_ASSERT_EQUAL(store_files(&f), 0);
    fx_close(&f);
    faultsrv_stop(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (scep_global_init() != SCEP_OK)
        return 99;
    int rc = tu_run(
        "integration",
        (tu_case[]){
            {"getcaps", test_getcaps},
            {"getca", test_getca},
            {"enroll RSA-2048 SHA-256", test_enroll_2048_sha256},
            {"enroll RSA-2048 SHA-1", test_enroll_2048_sha1},
            {"enroll RSA-2048 SHA-512", test_enroll_2048_sha512},
            {"enroll RSA-4096 SHA-256", test_enroll_4096_sha256},
            {"enroll with an existing key", test_existing_key},
            {"wrong challenge gives failInfo 2", test_wrong_challenge},
            {"renewal (RenewalReq 17)", test_renewal},
            {"CA pin right", test_pin_right},
            {"CA pin wrong: no PKIOperation", test_pin_wrong},
            {"TOFU: CA changed", test_tofu_changed},
            {"wrong URL path: TCP ERROR 404", test_wrong_path_404},
            {"closed port: TCP ERROR", test_closed_port},
            {"slow server vs 1 s timeout", test_slow_timeout},
            {"HTTPS trusted", test_https_trusted},
            {"HTTPS untrusted", test_https_untrusted},
            {"key store full before key generation", test_store_full_before_keygen},
            {"fault: failInfo 0-4", test_fault_failinfo},
            {"fault: HTTP 500", test_fault_http500},
            {"fault: garbage body", test_fault_garbage},
            {"fault: bad signature", test_fault_badsig},
            {"fault: wrong recipientNonce", test_fault_badnonce},
            {"fault: wrong transactionID", test_fault_badtid},
            {"fault: certificate for another key", test_fault_mismatch},
            {"fault: CA/RA chain", test_fault_chain},
            {"fault: no POSTPKIOperation uses GET", test_fault_get},
            {"fault: PENDING then SUCCESS (resume)", test_fault_pending_then_success},
            {"fault: PENDING then FAILURE", test_fault_pending_then_failure},
            {NULL, NULL}});
    scep_global_cleanup();
    return rc;
}
