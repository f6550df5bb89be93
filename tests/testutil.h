/* testutil.h - shared helpers for the CUnit test programs. */
#ifndef SCEP_TESTUTIL_H
#define SCEP_TESTUTIL_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

typedef struct tu_case {
    const char *name;
    void (*fn)(void);
} tu_case;

/* Run one suite of NULL-terminated cases; exit status 0 only when every
 * assertion passed and at least one test ran (77 = skip is never used). */
int tu_run(const char *suite, const tu_case *cases);
/* Same, with suite setup/teardown. */
int tu_run_fixture(const char *suite, const tu_case *cases, int (*init)(void),
                   int (*cleanup)(void));

/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp); removed
 * recursively by tu_rmtree. Returns a static-lifetime malloc'd path. */
char *tu_mkdtemp(const char *tag);
void tu_rmtree(const char *path);
/* Directory of test fixtures ($srcdir/fixtures). */
const char *tu_fixture_dir(void);
/* "<fixture dir>/<name>" into buf. */
void tu_fixture_path(char *buf, size_t n, const char *name);
/* Read a whole file; NULL on error. */
unsigned char *tu_read(const char *path, size_t *len);
/* Entries of a directory besides . and ..; -1 if it cannot be read. */
int tu_count_entries(const char *dir);
/* Mode bits (07777) of dir/name, (mode_t)-1 if it does not exist. */
mode_t tu_file_mode(const char *dir, const char *name);
int tu_file_exists(const char *dir, const char *name);
/* Write text to dir/name (asserts it could be created). */
void tu_write_text(const char *dir, const char *name, const char *text);
/* A scep_set_log() callback: appends "<level>:<msg>\n" to tu_log (clear it
 * with tu_log[0] = '\0'). */
extern char tu_log[8192];
void tu_log_capture(int level, const char *msg, void *ctx);
/* Hex SHA-256 of the DER SubjectPublicKeyInfo of k (what RFC 8894 3.2.1.1
 * makes the transactionID), computed here independently of libscep; 0 or -1. */
int tu_spki_sha256_hex(EVP_PKEY *k, char out[65]);
/* CLOCK_MONOTONIC in seconds. */
double tu_now(void);
/* An ASN1_TIME as seconds since the epoch (UTC); -1 if it cannot be read. */
time_t tu_asn1_time(const ASN1_TIME *t);

/* Test certificate: CN=cn for key, signed by issuer/ikey (self-signed when
 * issuer is NULL), basicConstraints bc and keyUsage ku when non-NULL. */
X509 *tu_mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *bc,
                const char *ku);

#endif
