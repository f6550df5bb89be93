/*
 * scep-int.h - internal interfaces between the modules of libscep (OpenSSL
 * level). Used by scep/ and by the unit tests; not by agent/.
 */
#ifndef SCEP_SCEP_INT_H
#define SCEP_SCEP_INT_H

#include "scep.h"

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

/* ---- OpenSSL library context (libctx.c) --------------------------------- */
/* Private OSSL_LIB_CTX with the default and legacy providers (DES-CBC replies,
 * DESIGN.md section 2). Created once (thread-safe); NULL on failure. */
OSSL_LIB_CTX *scep_libctx(void);
void scep_libctx_free(void);
/* Digest fetched once from scep_libctx() by OpenSSL name ("SHA1", "SHA224",
 * "SHA256", "SHA384", "SHA512"); owned by the context (valid until
 * scep_libctx_free); NULL if unknown. */
const EVP_MD *scep_libctx_digest(const char *name);

/* ---- Keys and CSR (csr.c) ----------------------------------------------- */
/* RSA key of `bits`; `cancel` (may be NULL) aborts generation when it becomes
 * non-zero (SCEP_E_CANCELLED). */
scep_rc scep_key_generate(unsigned bits, volatile int *cancel, EVP_PKEY **out,
                          scep_error *e);
scep_rc scep_key_load(const char *path, EVP_PKEY **out, scep_error *e);
/* PEM (PKCS#8, unencrypted) of the private key; malloc'd, caller cleanses+frees. */
scep_rc scep_key_to_pem(EVP_PKEY *k, char **pem, size_t *len, scep_error *e);
/* CSR: subject O (if any) + CN; SAN iPAddress or dNSName from CN; PKCS#9
 * challengePassword (if non-empty); key usage / EKU per p->usage; signed with
 * p->hash. */
scep_rc scep_csr_build(EVP_PKEY *k, const scep_params *p, X509_REQ **out, scep_error *e);
const EVP_MD *scep_hash_md(scep_hash h);

/* ---- HTTP media types (util.c) ------------------------------------------ */
/* ct is the media type want (any case, parameters after ';' ignored). */
int scep_media_type_is(const char *ct, const char *want);

/* ---- Hex text (misc.c): the one encoder/decoder (OpenSSL's) ------------ */
/* n bytes as hex into out (outlen bytes with the NUL): lowercase digits, or
 * uppercase when upper; sep (0: none) between the pairs. As many whole bytes
 * as fit are written; returns the length of the text. */
size_t scep_hex(const unsigned char *b, size_t n, char sep, int upper, char *out,
                size_t outlen);
/* Hex digits of either case (pairs; sep, when not 0, skipped wherever it
 * stands) into buf of max bytes: SCEP_OK and *n, else SCEP_E_INVALID (odd,
 * not hex, longer than max). */
scep_rc scep_unhex(const char *hex, char sep, unsigned char *buf, size_t max, size_t *n);

/* ---- Certificates (cert.c) ---------------------------------------------- */
/* SHA-256 fingerprint as 64 lowercase hex digits. */
scep_rc scep_cert_fpr_hex(X509 *x, char out[SCEP_FPR_HEX_LEN + 1]);
/* Fill the certificate columns of a keyinfo (subject, issuer, serial, dates,
 * "AA:BB" fingerprint, has_cert = 1). */
void scep_cert_fill_info(X509 *x, scep_keyinfo *k);
/* PEM of one certificate (malloc'd). */
scep_rc scep_cert_to_pem(X509 *x, char **pem, size_t *len, scep_error *e);
/* Read the first PEM certificate of a file (SCEP_E_IO on failure). */
scep_rc scep_cert_read_file(const char *path, X509 **out, scep_error *e);

/* ---- GetCACert (cacert.c) ----------------------------------------------- */
typedef struct scep_ca {
    STACK_OF(X509) *all; /* every certificate received */
    X509 *ca;            /* the CA certificate (self-signed or the issuer) */
    X509 *enc;           /* recipient for the envelope (RA with keyEncipherment, else CA) */
    X509 *sig;           /* expected CertRep signer (RA with digitalSignature, else CA) */
} scep_ca;
/* Parse a GetCACert body: DER certificate (application/x-x509-ca-cert) or a
 * degenerate PKCS#7 (application/x-x509-ca-ra-cert). B3 selection. */
scep_rc scep_ca_parse(const unsigned char *der, size_t len, const char *content_type,
                      scep_ca *out, scep_error *e);
void scep_ca_clear(scep_ca *ca);

/* ---- pkiMessage (pkimsg.c) ---------------------------------------------- */
enum {
    SCEP_MSG_CERTREP = 3,
    SCEP_MSG_RENEWALREQ = 17,
    SCEP_MSG_PKCSREQ = 19,
    SCEP_MSG_CERTPOLL = 20
};
enum { SCEP_STATUS_SUCCESS = 0, SCEP_STATUS_FAILURE = 2, SCEP_STATUS_PENDING = 3 };

typedef struct scep_msg_in {
    int type;                /* SCEP_MSG_PKCSREQ / RENEWALREQ / CERTPOLL */
    X509_REQ *csr;           /* PKCSReq/RenewalReq */
    X509_NAME *poll_subject; /* CertPoll: our subject */
    X509 *signer_cert;       /* self-signed for PKCSReq, current cert for renewal */
    EVP_PKEY *signer_key;
    X509 *recipient;                /* scep_ca.enc */
    X509 *ca;                       /* CertPoll issuer name (scep_ca.ca) */
    const char *digest;             /* scep_caps_digest() */
    const char *cipher;             /* scep_caps_cipher() */
    char transaction_id[65];        /* hex; computed from the key when empty */
    unsigned char sender_nonce[16]; /* filled by scep_msg_build (scep_random) */
} scep_msg_in;

/* transactionID: hex SHA-256 of the DER SubjectPublicKeyInfo (RFC 8894 3.2.1.1). */
scep_rc scep_transaction_id(EVP_PKEY *k, char out[65]);
/* Self-signed certificate for signing a PKCSReq (RFC 8894 2.3). */
scep_rc scep_selfsigned(EVP_PKEY *k, const X509_REQ *csr, X509 **out, scep_error *e);
/* Build the DER pkiMessage; fills m->sender_nonce and transaction_id (when
 * empty). digest/cipher NULL = "SHA256"/"AES-256-CBC". *der: OPENSSL_free. */
scep_rc scep_msg_build(scep_msg_in *m, unsigned char **der, size_t *len, scep_error *e);

typedef struct scep_certrep {
    int status;    /* SCEP_STATUS_* */
    int fail_info; /* -1 none */
    char fail_info_text[256];
    char transaction_id[65];
    X509 *cert;            /* SUCCESS: the issued certificate matching our key */
    STACK_OF(X509) *certs; /* SUCCESS: all certificates in the reply */
} scep_certrep;
/* Parse and check a CertRep: CMS signature by `signer` itself (PKCS7_NOINTERN;
 * no chain or purpose check, the Debian CA lacks digitalSignature), recipientNonce ==
 * sent nonce, transactionID == expected, messageType == CertRep; on SUCCESS
 * decrypt with (our_key, our_cert) -- the key and certificate that SIGNED the
 * request, since the server envelopes to the request's signer -- and pick the
 * issued certificate whose public key equals `new_key` (NULL = our_key; for a
 * RenewalReq the request is signed with the old key but the new key is certified). */
scep_rc scep_certrep_parse(const unsigned char *der, size_t len, X509 *signer,
                           const unsigned char sent_nonce[16], const char *transaction_id,
                           EVP_PKEY *our_key, X509 *our_cert, EVP_PKEY *new_key,
                           scep_certrep *out, scep_error *e);
void scep_certrep_clear(scep_certrep *r);

/* ---- Key store shared between processes (keystore.c) -------------------- */
/* The lock file in the store directory. Writers (store, delete, pending
 * transactions) hold it LOCK_SH while their files are half-written; the
 * clean-up of orphans takes it LOCK_EX | LOCK_NB and skips when it cannot. */
#define KS_LOCK_FILE ".lock"
/* Stores of every process take it LOCK_EX from the index and name checks
 * until the key's files are written: two processes never pick the same
 * index or write the same new name. */
#define KS_STORE_LOCK_FILE ".store.lock"
/* flock(op) on a fresh descriptor of the lock file; -1 when it cannot be had. */
int scep_ks_flock(const scep_keystore *ks, int op);
/* KS_STORE_LOCK_FILE, LOCK_EX (waits); -1 when it cannot be had. */
int scep_ks_store_flock(const scep_keystore *ks);
void scep_ks_funlock(int fd);

/* ---- Key store internals (keystore.c) ----------------------------------- */
/* Store key + cert (+ chain) under name atomically (meta renamed last).
 * Capacity is checked again here. If replace is non-NULL that key is removed
 * after the new one is safely stored (A6; refused for the default key). */
scep_rc scep_keystore_store(scep_keystore *ks, const char *name, EVP_PKEY *key, X509 *cert,
                            STACK_OF(X509) *chain, scep_usage usage, const char *policy,
                            const char *replace, scep_keyinfo *out, scep_error *e);
/* Load a stored key and certificate (renewal). */
scep_rc scep_keystore_load(scep_keystore *ks, const char *name, EVP_PKEY **key, X509 **cert,
                           scep_error *e);
/* Name of the stored key with that usage ("" if none; the default key is skipped). */
int scep_keystore_find_usage(scep_keystore *ks, scep_usage usage, char *name, size_t n);
/* Key store directory layout (keystore.c, ksfiles.c, txn.c). */
#define SCEP_KS_KEY       ".key"       /* PEM PKCS#8, 0600 */
#define SCEP_KS_CRT       ".crt"       /* PEM, 0644 */
#define SCEP_KS_CHAIN     ".chain.pem" /* CA chain, 0644, optional */
#define SCEP_KS_META      ".meta"      /* index, usage...: written last (commit point) */
#define SCEP_KS_NEXTINDEX ".nextindex" /* highest index ever issued */
#define SCEP_KS_INDEX_MAX 2147483647u  /* an SNMP index is an Integer32 > 0 */
/* "<dir>/<name><sfx><sfx2>" into buf; -1 (buf "") when it does not fit. */
int scep_ks_file(const char *dir, const char *name, const char *sfx, const char *sfx2,
                 char *buf, size_t n);
/* Metadata text of k; length or -1. */
int scep_ks_meta_format(const scep_keyinfo *k, int has_chain, char *buf, size_t n);
scep_rc scep_ks_write_nextindex(const char *dir, uint32_t last, scep_error *e);
/* The highest index issued by any process (.nextindex); 0 when unreadable. */
uint32_t scep_ks_read_nextindex(const char *dir);
/* Complete a committed in-place replacement (<name>.meta.new exists). */
scep_rc scep_ks_roll_forward(const char *dir, const char *name, scep_error *e);
/* Read every key of dir (sorted by index, malloc'd). *last: in, the highest
 * index known; out, the highest ever issued. cleanup: complete committed
 * replacements, remove orphans and temp files. */
scep_rc scep_ks_scan(const char *dir, int cleanup, uint32_t *last, scep_keyinfo **keys,
                     size_t *n, scep_error *e);
/* Create dir with mode 0700, or tighten an existing one to 0700 (warning logged). */
scep_rc scep_dir_ensure_private(const char *dir, scep_error *e);
/* Net-SNMP-config-like "key value" lines: next pair of a mutable buffer (blank
 * lines and # comments skipped, value = rest of the line); 1 or 0 at the end. */
int scep_kv_next(char **cur, char **key, char **val);
/* 1 when s fits one value of such a line: at most max bytes, no control
 * character (ksfiles.c). */
int scep_one_line(const char *s, size_t max);
/* Strict decimal in [lo, hi]; 0 or -1. */
int scep_parse_num(const char *s, long long lo, long long hi, long long *out);
/* SCEP_E_IO "<op> <path>: <strerror(errno)>" (ksfiles.c). */
scep_rc scep_io_error(scep_error *e, const char *op, const char *path);
/* unlink; ENOENT counts as success. 0 or -1 (errno set). */
int scep_unlink_quiet(const char *path);

/* Pending transactions (M12, B2): <dir>/pending/<name>.key (0600) + <name>.txn */
typedef struct scep_txn {
    char name[SCEP_NAME_MAX + 1];
    char transaction_id[65];
    int msg_type; /* the original request type (19 or 17) */
    unsigned polls;
    time_t created;
    scep_usage usage;
    char ipsec_policy[SCEP_POLICY_MAX + 1];
    scep_hash hash;
    unsigned bits;
    char subject[512]; /* RFC 2253 one-line, for the CertPoll subject */
    char replace[SCEP_NAME_MAX + 1];
} scep_txn;
scep_rc scep_txn_save(scep_keystore *ks, const scep_txn *t, EVP_PKEY *key, scep_error *e);
scep_rc scep_txn_load(scep_keystore *ks, const char *name, scep_txn *t, EVP_PKEY **key,
                      scep_error *e);
scep_rc scep_txn_delete(scep_keystore *ks, const char *name, scep_error *e);

#endif /* SCEP_SCEP_INT_H */
