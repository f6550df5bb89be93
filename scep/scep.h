/*
 * scep.h - public API of the scep-agentx backend library (libscep).
 *
 * No Net-SNMP here (DESIGN.md section 1). The daemon (agent/), the one-shot
 * CLI (tools/sceptool) and the tests link this library.
 *
 * Conventions (curl style): every fallible function returns scep_rc; 0 is
 * success; a scep_error, when given, receives the detail (code, HTTP status,
 * failInfo, raw cause text). Secrets never reach an error text or a log line.
 */
#ifndef SCEP_SCEP_H
#define SCEP_SCEP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Result codes: numbered, append-only (never renumber, never reuse).       */
/* scep_strerror() is a switch without default so -Wall flags a new code.   */
/* ------------------------------------------------------------------------ */
typedef enum scep_rc {
    SCEP_OK = 0,
    SCEP_E_NOMEM = 1,      /* out of memory */
    SCEP_E_INVALID = 2,    /* invalid argument / parameter */
    SCEP_E_BAD_URL = 3,    /* server URL not http(s) or unparsable */
    SCEP_E_TCP = 4,        /* connect failed / DNS: "Communication error (TCP ERROR)" */
    SCEP_E_TIMEOUT = 5,    /* no answer within the timeout (T3: TCP ERROR) */
    SCEP_E_HTTP = 6,       /* HTTP status >= 300: "... (TCP ERROR <status>)" */
    SCEP_E_TLS_VERIFY = 7, /* HTTPS server certificate not trusted */
    SCEP_E_FAILINFO_BADALG = 8,     /* FAILURE, failInfo 0 */
    SCEP_E_FAILINFO_BADMSGCHK = 9,  /* failInfo 1 */
    SCEP_E_FAILINFO_BADREQ = 10,    /* failInfo 2 */
    SCEP_E_FAILINFO_BADTIME = 11,   /* failInfo 3 */
    SCEP_E_FAILINFO_BADCERTID = 12, /* failInfo 4 */
    SCEP_E_FAILURE = 13,            /* FAILURE with no / unknown failInfo */
    SCEP_E_PENDING = 14,            /* server answered PENDING: "Pending" */
    SCEP_E_KEYSTORE_FULL = 15,      /* "Key and certificate registration limit" */
    SCEP_E_CA_FINGERPRINT = 16,     /* CA fingerprint does not match the pin */
    SCEP_E_CA_CHANGED = 17,         /* TOFU: CA differs from the one seen first */
    SCEP_E_BAD_SIGNATURE = 18,      /* CertRep CMS signature invalid / not by CA/RA */
    SCEP_E_NONCE_MISMATCH = 19,     /* recipientNonce != our senderNonce */
    SCEP_E_TRANSID_MISMATCH = 20,   /* transactionID differs */
    SCEP_E_MALFORMED = 21,          /* response not parseable (DER/CMS/attrs) */
    SCEP_E_DECRYPT = 22,            /* envelope could not be decrypted */
    SCEP_E_CERT_MISMATCH = 23,      /* issued cert's public key is not ours */
    SCEP_E_CACERT = 24,             /* GetCACert answer unusable (no CA/RA cert) */
    SCEP_E_KEYGEN = 25,             /* key generation failed */
    SCEP_E_CSR = 26,                /* CSR could not be built/signed */
    SCEP_E_CRYPTO = 27,             /* building the pkiMessage failed */
    SCEP_E_IO = 28,                 /* file system error (key store, state) */
    SCEP_E_NAME = 29,               /* key name invalid (M1) */
    SCEP_E_EXISTS = 30,             /* key name exists in the key store */
    SCEP_E_NOT_FOUND = 31,          /* no such key / transaction */
    SCEP_E_DEFAULT_KEY = 32,        /* the configured default key is protected */
    SCEP_E_NO_RENEWAL = 33,         /* renewal requested, server lacks Renewal */
    SCEP_E_COMMAND = 34,            /* restart/reload command failed */
    SCEP_E_CANCELLED = 35,          /* job cancelled (shutdown) */
    SCEP_E_BUSY = 36,               /* an enrollment for that name is queued/running */
    SCEP_E_CONTENT_TYPE = 37,       /* unexpected HTTP Content-Type */
    SCEP_E_INTERNAL = 38,           /* bug */
    SCEP_E_CERT_UNTRUSTED = 39, /* issued cert does not chain to the CA, or not valid now */
    SCEP_E_LAST                 /* not a code: keep last */
} scep_rc;

/* Detail of a failure. fail_info is -1 when the server gave none. */
typedef struct scep_error {
    scep_rc code;
    long http_status; /* 0 = no HTTP response */
    int fail_info;    /* -1 = none, else RFC 8894 failInfo 0..4 */
    char text[256];   /* raw cause: OpenSSL/libcurl reason, failInfoText ... */
} scep_error;

/* The fixed T3 detail for a code ("Pending", "Communication error (TCP ERROR)"). */
const char *scep_strerror(scep_rc rc);
/* Short stable identifier ("tcp", "failinfo-badRequest" ...) for logs/scripts. */
const char *scep_rc_name(scep_rc rc);
/* T3 detail with the dynamic part: "Communication error (TCP ERROR 404)",
 * "Communication error (SCEP ERROR Fail Info 2)". Returns buf. */
const char *scep_error_detail(const scep_error *e, char *buf, size_t len);
/* "detail: text" (text omitted when empty). Returns buf. */
const char *scep_error_format(const scep_error *e, char *buf, size_t len);
void scep_error_clear(scep_error *e);
/* Set code and printf-style cause text; returns rc. NULL e is allowed. */
scep_rc scep_error_set(scep_error *e, scep_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append the OpenSSL error queue (and clear it) to e->text. */
void scep_error_add_openssl(scep_error *e);
/* Process exit code class for sceptool (documented in sceptool.1). */
int scep_rc_exit_code(scep_rc rc);

/* ------------------------------------------------------------------------ */
/* Logging: one path; the glue points it at snmp_log.                        */
/* ------------------------------------------------------------------------ */
enum {
    SCEP_LOG_ERR = 3,
    SCEP_LOG_WARNING = 4,
    SCEP_LOG_NOTICE = 5,
    SCEP_LOG_INFO = 6,
    SCEP_LOG_DEBUG = 7
}; /* syslog numbers */
typedef void (*scep_log_fn)(int level, const char *msg, void *ctx);
void scep_set_log(scep_log_fn fn, void *ctx); /* NULL: stderr, INFO and up */
void scep_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
__attribute__((format(printf, 2, 0))) void scep_vlog(int level, const char *fmt,
                                                     va_list ap);

/* ------------------------------------------------------------------------ */
/* Injectable clock and randomness (DESIGN.md section 3).                    */
/* ------------------------------------------------------------------------ */
typedef time_t (*scep_clock_fn)(void *ctx);
void scep_set_clock(scep_clock_fn fn, void *ctx); /* NULL: time(NULL) */
time_t scep_now(void);
/* t as an ISO 8601 UTC date for log lines, "2026-12-05T15:21:47Z"
 * ("-" when t is 0). Returns buf. */
const char *scep_time_iso(time_t t, char *buf, size_t n);
/* The host[:port] of a server URL for log lines: no scheme, no user:password,
 * no path ("?" when there is none). Returns buf. */
const char *scep_url_host(const char *url, char *buf, size_t n);

/* Fill buf with n random bytes; returns 0 on success. */
typedef int (*scep_rand_fn)(void *ctx, unsigned char *buf, size_t n);
void scep_set_rand(scep_rand_fn fn, void *ctx); /* NULL: RAND_bytes */
int scep_random(unsigned char *buf, size_t n);
/* Uniform in [lo, hi] (inclusive), from scep_random. */
uint32_t scep_random_range(uint32_t lo, uint32_t hi);

/* ------------------------------------------------------------------------ */
/* Settings (S1-S3, S6, X5, X6).                                             */
/* ------------------------------------------------------------------------ */
#define SCEP_URL_MAX         255
#define SCEP_TIMEOUT_MIN     1
#define SCEP_TIMEOUT_MAX     300
#define SCEP_TIMEOUT_DEFAULT 30
#define SCEP_FPR_HEX_LEN     64 /* SHA-256 as 64 lowercase hex digits */

typedef struct scep_settings {
    char url[SCEP_URL_MAX + 1];         /* S1: http(s)://host[:port]/path */
    unsigned port;                      /* S2: 0 = the URL's port or the scheme default */
    unsigned timeout;                   /* S3: seconds, connect + total */
    char ca_pin[SCEP_FPR_HEX_LEN + 1];  /* X6: SHA-256 pin, "" = TOFU */
    char ca_seen[SCEP_FPR_HEX_LEN + 1]; /* X6: first fingerprint seen (TOFU) */
    char cacert_bundle[4096];           /* X5: CA bundle for HTTPS, "" = system store */
    char proxy[SCEP_URL_MAX + 1];       /* S6: "" = none (local config only) */
    int require_standard; /* refuse a server whose GetCACaps lacks SCEPStandard */
} scep_settings;

void scep_settings_init(scep_settings *s); /* defaults: timeout 30, rest empty */
/* Validation of single fields (used by SNMP SET checks too). */
scep_rc scep_check_url(const char *url, size_t len, scep_error *e);
scep_rc scep_check_port(long port, scep_error *e);    /* 0..65535 */
scep_rc scep_check_timeout(long secs, scep_error *e); /* 1..300 */
/* "" or 64 hex digits; colons and case are accepted by scep_normalize_fpr. */
scep_rc scep_check_fingerprint(const char *fpr, size_t len, scep_error *e);
/* Canonical lowercase hex without separators into out[65]. */
scep_rc scep_normalize_fpr(const char *in, size_t len, char out[SCEP_FPR_HEX_LEN + 1]);
scep_rc scep_settings_validate(const scep_settings *s, scep_error *e);

/* ------------------------------------------------------------------------ */
/* Request parameters (M1-M7).                                               */
/* ------------------------------------------------------------------------ */
#define SCEP_NAME_MAX      32
#define SCEP_ORG_MAX       64
#define SCEP_CN_MAX        64
#define SCEP_CHALLENGE_MAX 255
#define SCEP_POLICY_MAX    64

typedef enum scep_hash {
    SCEP_HASH_SHA1 = 1,
    SCEP_HASH_SHA256 = 2,
    SCEP_HASH_SHA384 = 3,
    SCEP_HASH_SHA512 = 4
} scep_hash;
typedef enum scep_usage {
    SCEP_USAGE_NONE = 1,
    SCEP_USAGE_TLS = 2,
    SCEP_USAGE_IPSEC = 3,
    SCEP_USAGE_DOT1X = 4
} scep_usage;

typedef struct scep_params {
    char name[SCEP_NAME_MAX + 1];           /* M1 */
    scep_hash hash;                         /* M2 */
    unsigned bits;                          /* M3: 1024/2048/3072/4096 */
    char org[SCEP_ORG_MAX + 1];             /* M4: may be empty */
    char cn[SCEP_CN_MAX + 1];               /* M5: IP or FQDN */
    char challenge[SCEP_CHALLENGE_MAX + 1]; /* M6: secret */
    scep_usage usage;                       /* M7 */
    char ipsec_policy[SCEP_POLICY_MAX + 1]; /* M7: with usage ipsec */
} scep_params;

void scep_params_init(scep_params *p); /* sha256, 2048, usage none */
void scep_params_wipe(scep_params *p); /* OPENSSL_cleanse of the challenge */
scep_rc scep_check_name(const char *name, size_t len, scep_error *e); /* M1 */
scep_rc scep_check_bits(long bits, scep_error *e);                    /* M3 */
scep_rc scep_check_cn(const char *cn, size_t len, scep_error *e);     /* M5 */
/* Whole-request validation; the policy must be one of `policies` (NULL-terminated)
 * when usage is ipsec and policies is non-NULL. */
scep_rc scep_params_validate(const scep_params *p, const char *const *policies,
                             scep_error *e);
const char *scep_hash_name(scep_hash h);   /* "sha256" */
int scep_hash_from_name(const char *s);    /* -1 if unknown */
const char *scep_usage_name(scep_usage u); /* "tls" */
int scep_usage_from_name(const char *s);   /* -1 if unknown */

/* ------------------------------------------------------------------------ */
/* HTTP transport (injectable; the default is libcurl).                      */
/* ------------------------------------------------------------------------ */
typedef struct scep_http_req {
    const char *operation;     /* "GetCACaps", "GetCACert", "PKIOperation" */
    const unsigned char *body; /* POST body (DER); NULL for GET */
    size_t body_len;
    const char *message; /* GET: value of message= (already base64, not escaped) */
} scep_http_req;

typedef struct scep_http_resp {
    long status;
    char content_type[128];
    unsigned char *body; /* malloc'd; free with scep_http_resp_free */
    size_t body_len;
} scep_http_resp;

typedef scep_rc (*scep_transport_fn)(void *ctx, const scep_settings *s,
                                     const scep_http_req *req, scep_http_resp *resp,
                                     scep_error *e);
/* The libcurl transport (ctx: a volatile int *cancel flag or NULL). */
scep_rc scep_http_curl(void *ctx, const scep_settings *s, const scep_http_req *req,
                       scep_http_resp *resp, scep_error *e);
void scep_http_resp_free(scep_http_resp *r);
/* "OpenSSL 3.0.x ..., libcurl 7.88.1" (static buffer). */
const char *scep_version_info(void);
/* Overwrite a secret in memory (OPENSSL_cleanse). */
void scep_wipe(void *p, size_t n);
/* Process-wide init/cleanup. libcurl and the private OpenSSL context are
 * set up lazily on first use; cleanup releases them (call it once, at exit). */
scep_rc scep_global_init(void);
void scep_global_cleanup(void);

/* ------------------------------------------------------------------------ */
/* GetCACaps (S5).                                                           */
/* ------------------------------------------------------------------------ */
enum {
    SCEP_CAP_AES = 1u << 0,
    SCEP_CAP_DES3 = 1u << 1,
    SCEP_CAP_GETNEXTCACERT = 1u << 2,
    SCEP_CAP_POST = 1u << 3, /* POSTPKIOperation */
    SCEP_CAP_RENEWAL = 1u << 4,
    SCEP_CAP_SHA1 = 1u << 5,
    SCEP_CAP_SHA256 = 1u << 6,
    SCEP_CAP_SHA512 = 1u << 7,
    SCEP_CAP_SCEPSTANDARD = 1u << 8,
    SCEP_CAP_UPDATE = 1u << 9,
    SCEP_CAP_SHA224 = 1u << 10,
    SCEP_CAP_SHA384 = 1u << 11,
};
/* Parse the GetCACaps body: keywords separated by LF/CRLF/space, case-insensitive.
 * Unknown keywords are ignored. SCEPStandard implies AES, POST, SHA-256. */
unsigned scep_caps_parse(const char *body, size_t len);
/* RFC 8894 3.5.2, 7.5: digest SHA-256 when offered, else SHA-512 > SHA-384 >
 * SHA-224 > SHA-1 (SHA-1 if nothing; never MD5); cipher AES-128-CBC when offered,
 * else triple DES (never single DES). Names as OpenSSL algorithm names. */
const char *scep_caps_digest(unsigned caps); /* "SHA256" ... "SHA1" */
const char *scep_caps_cipher(unsigned caps); /* "AES-128-CBC", "DES-EDE3-CBC" */
/* "AES DES3 POSTPKIOperation ..." for display. Returns buf. */
const char *scep_caps_format(unsigned caps, char *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* Key store (T1, A6, X3).                                                   */
/* ------------------------------------------------------------------------ */
typedef enum scep_cert_status {
    SCEP_CERT_NONE = 1,
    SCEP_CERT_VALID = 2,
    SCEP_CERT_EXPIRING = 3,
    SCEP_CERT_EXPIRED = 4,
    SCEP_CERT_NOTYETVALID = 5
} scep_cert_status;

typedef struct scep_keyinfo {
    uint32_t index; /* stable, persisted, 1.. */
    char name[SCEP_NAME_MAX + 1];
    scep_usage usage;
    char ipsec_policy[SCEP_POLICY_MAX + 1];
    unsigned bits;
    int has_cert;
    char subject[256]; /* RFC 4514 text */
    char issuer[256];
    char serial[64]; /* "01:AB:.." */
    time_t not_before, not_after;
    char sha256[96]; /* "AA:BB:.." */
    time_t created;
} scep_keyinfo;

typedef struct scep_keystore scep_keystore;

/* Open (creating with 0700 if missing) the key store directory. */
scep_rc scep_keystore_open(const char *dir, unsigned capacity, scep_keystore **out,
                           scep_error *e);
void scep_keystore_close(scep_keystore *ks);
const char *scep_keystore_dir(const scep_keystore *ks);
void scep_keystore_set_capacity(scep_keystore *ks, unsigned capacity);
unsigned scep_keystore_capacity(const scep_keystore *ks);
/* Number of stored keys (pending transactions are not counted). */
unsigned scep_keystore_count(scep_keystore *ks);
/* Re-read the directory (after an outside change). */
scep_rc scep_keystore_reload(scep_keystore *ks, scep_error *e);
/* Key names are compared exactly; default key is protected (delete/replace). */
void scep_keystore_set_default(scep_keystore *ks, const char *name);
int scep_keystore_exists(scep_keystore *ks, const char *name);
/* The directory can be written now (not a read-only file system); else
 * SCEP_E_IO with the reason. A quick check before a change that cannot be
 * undone (an SNMP delete), not a promise. */
scep_rc scep_keystore_writable(scep_keystore *ks, scep_error *e);
/* SCEP_E_KEYSTORE_FULL when count >= capacity. */
scep_rc scep_keystore_check_room(scep_keystore *ks, scep_error *e);
/* Snapshot of all keys sorted by index; *out malloc'd (free()). */
scep_rc scep_keystore_list(scep_keystore *ks, scep_keyinfo **out, size_t *n, scep_error *e);
scep_rc scep_keystore_get(scep_keystore *ks, const char *name, scep_keyinfo *out,
                          scep_error *e);
scep_rc scep_keystore_delete(scep_keystore *ks, const char *name, scep_error *e);
/* Paths of a stored key's files (buf of PATH_MAX). */
void scep_keystore_key_path(const scep_keystore *ks, const char *name, char *buf, size_t n);
void scep_keystore_cert_path(const scep_keystore *ks, const char *name, char *buf,
                             size_t n);
void scep_keystore_chain_path(const scep_keystore *ks, const char *name, char *buf,
                              size_t n);
/* Status of a certificate at `now`: expiring when warn_days (> 0) days are left
 * or fewer. */
scep_cert_status scep_cert_status_at(const scep_keyinfo *k, time_t now, unsigned warn_days);
/* Days left (floor, negative once expired). */
long scep_days_left(const scep_keyinfo *k, time_t now);

/* ------------------------------------------------------------------------ */
/* Enrollment (high level, blocking: call it on the worker thread).          */
/* ------------------------------------------------------------------------ */
typedef struct scep_client scep_client;

scep_rc scep_client_new(const scep_settings *s, scep_client **out, scep_error *e);
void scep_client_free(scep_client *c);
void scep_client_set_transport(scep_client *c, scep_transport_fn fn, void *ctx);
/* Cancel flag polled by HTTP and key generation (set from another thread). */
void scep_client_set_cancel(scep_client *c, volatile int *cancel);

/* GetCACaps; *caps receives SCEP_CAP_* bits. */
scep_rc scep_get_caps(scep_client *c, unsigned *caps, scep_error *e);
/* GetCACert; verifies the pin / TOFU; fpr receives the CA fingerprint (hex). The
 * DER of all certificates (CA first) goes to *pem as a PEM bundle (malloc'd)
 * when pem is non-NULL. */
scep_rc scep_get_ca(scep_client *c, char fpr[SCEP_FPR_HEX_LEN + 1], char **pem,
                    scep_error *e);

typedef struct scep_enroll_opts {
    const char *key_file;   /* B6: PEM private key to use instead of generating */
    const char *renew_name; /* B1: renew this stored key's certificate (RenewalReq) */
    int replace_usage;      /* A6: replace the key of the same usage on success */
    const char *store_as;   /* store under this name instead of params->name (A6 off) */
} scep_enroll_opts;

typedef struct scep_enroll_result {
    scep_keyinfo key; /* the stored key on success */
    char transaction_id[65];
    unsigned polls;
    int msg_type;                      /* 19 PKCSReq, 17 RenewalReq, 20 CertPoll */
    char ca_fpr[SCEP_FPR_HEX_LEN + 1]; /* the CA fingerprint seen (for TOFU) */
    char replaced[SCEP_NAME_MAX + 1];  /* key name replaced (A6), "" if none */
} scep_enroll_result;

/* Full enrollment: capacity check, GetCACaps, GetCACert (+pin), key, CSR, PKCSReq
 * or RenewalReq, CertRep checks, store. On PENDING the transaction is saved in the
 * key store's pending area and SCEP_E_PENDING is returned. Nothing is left behind
 * on any other failure. */
scep_rc scep_enroll(scep_client *c, scep_keystore *ks, const scep_params *p,
                    const scep_enroll_opts *o, scep_enroll_result *r, scep_error *e);
/* Resume a pending transaction (M12, B2) with CertPoll (same transactionID). */
scep_rc scep_poll(scep_client *c, scep_keystore *ks, const char *name,
                  scep_enroll_result *r, scep_error *e);
/* Is there a saved pending transaction for name? */
int scep_pending_exists(scep_keystore *ks, const char *name);
scep_rc scep_pending_drop(scep_keystore *ks, const char *name, scep_error *e);

/* ------------------------------------------------------------------------ */
/* Asynchronous jobs (DESIGN.md section 2).                                  */
/* ------------------------------------------------------------------------ */
typedef struct scep_jobq scep_jobq;
/* Runs on the worker thread; `cancel` becomes non-zero at shutdown. */
typedef void (*scep_job_run_fn)(void *arg, volatile int *cancel);
/* Runs on the thread that calls scep_jobq_dispatch(); cancelled != 0 when the
 * job never ran or was cancelled (arg must still be freed there). */
typedef void (*scep_job_done_fn)(void *arg, int cancelled);

scep_rc scep_jobq_new(scep_jobq **out, scep_error *e);
/* Readable when finished jobs wait for dispatch (non-blocking pipe/eventfd). */
int scep_jobq_fd(const scep_jobq *q);
scep_rc scep_jobq_submit(scep_jobq *q, scep_job_run_fn run, scep_job_done_fn done,
                         void *arg);
/* Drain the fd and run the done callbacks of finished jobs (main thread). */
void scep_jobq_dispatch(scep_jobq *q);
/* Jobs queued or running. */
unsigned scep_jobq_pending(const scep_jobq *q);
/* Cancel everything, join the worker, run done(arg, 1) for what never ran. */
void scep_jobq_free(scep_jobq *q);

/* ------------------------------------------------------------------------ */
/* Files.                                                                    */
/* ------------------------------------------------------------------------ */
/* Write data to path atomically: temp in the same dir, fsync, rename, dir fsync. */
scep_rc scep_write_file_atomic(const char *path, const void *data, size_t len,
                               unsigned mode, scep_error *e);
/* Read a whole file (malloc'd, NUL-terminated beyond len). */
scep_rc scep_read_file(const char *path, char **data, size_t *len, scep_error *e);
/* fsync a directory. */
scep_rc scep_fsync_dir(const char *dir, scep_error *e);

/* ------------------------------------------------------------------------ */
/* Request history (T2-T4): the last N transactions, persisted.             */
/* ------------------------------------------------------------------------ */
#define SCEP_HISTORY_MAX 20
/* The text of a row left in progress by a crash or restart (history load). */
#define SCEP_HIST_INTERRUPTED "interrupted by an agent restart"
typedef enum scep_hist_state {
    SCEP_HIST_WAITING = 1,
    SCEP_HIST_INPROGRESS = 2,
    SCEP_HIST_ERROR = 3,
    SCEP_HIST_COMPLETED = 4
} scep_hist_state;
typedef enum scep_hist_source { SCEP_SRC_MANUAL = 1, SCEP_SRC_AUTO = 2 } scep_hist_source;

typedef struct scep_hist_entry {
    uint32_t index; /* 1..4294967295, wraps to 1 */
    char name[SCEP_NAME_MAX + 1];
    scep_hist_source source;
    scep_hist_state state;
    scep_rc code; /* SCEP_OK unless state is error */
    long http_status;
    int fail_info;  /* -1 = none */
    char text[256]; /* raw cause, never a secret */
    char transaction_id[65];
    unsigned polls;
    time_t requested; /* scheduled (waiting) or request time */
    time_t completed; /* 0 until completed/error */
} scep_hist_entry;

typedef struct scep_history scep_history;
/* Load (or start empty) the history kept in `path`; max rows (T4: 20). */
scep_rc scep_history_open(const char *path, unsigned max, scep_history **out,
                          scep_error *e);
void scep_history_close(scep_history *h);
/* Append a row (the oldest is dropped when full); returns it (valid until the
 * next add). Not saved until scep_history_save. */
scep_hist_entry *scep_history_add(scep_history *h, const char *name, scep_hist_source src,
                                  scep_hist_state state, time_t requested);
scep_hist_entry *scep_history_find(scep_history *h, uint32_t index);
/* Rows oldest first: i in [0, count). */
unsigned scep_history_count(const scep_history *h);
scep_hist_entry *scep_history_at(scep_history *h, unsigned i);
uint32_t scep_history_last_index(const scep_history *h); /* 0 = none yet */
unsigned scep_history_max(const scep_history *h);
/* Record a result on a row: completed (code SCEP_OK) or error with detail. */
void scep_history_finish(scep_hist_entry *row, const scep_error *err, time_t when);
scep_rc scep_history_save(scep_history *h, scep_error *e);

/* ------------------------------------------------------------------------ */
/* Commands from the local config (M9, X4): no shell, with a timeout.       */
/* ------------------------------------------------------------------------ */
/* Split `cmdline` on blanks (double quotes group words; no other shell syntax),
 * run it with the environment variables in `env` ("NAME=value", NULL-terminated)
 * added to a minimal PATH, wait at most timeout seconds (then SIGTERM, SIGKILL).
 * SCEP_E_COMMAND with the exit status / signal / timeout in the text. Blocking:
 * call it on the worker thread. */
scep_rc scep_run_command(const char *cmdline, const char *const *env, unsigned timeout,
                         scep_error *e);

#ifdef __cplusplus
}
#endif
#endif /* SCEP_SCEP_H */
