/*
 * fuzz_files.c - the files the backend reads back from disk, as the agent
 * finds them after a crash, a full disk or an operator's editor. The first
 * byte picks the file, the rest is its content:
 *   0 a key's metadata (<store>/k.meta beside a key and certificate): the
 *     store is opened (directory scan, metadata parser) and listed
 *   1 a pending transaction (<store>/pending/p.txn beside its key):
 *     scep_txn_load
 *   2 the history file (scep_history_open), every row read
 *   3 the key store's .nextindex (scep_ks_read_nextindex)
 */
#include "config.h"

#include "fuzz.h"

#include <limits.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char store[PATH_MAX], key_pem[4096], crt_pem[4096];
static size_t key_len, crt_len;

/* A key and a certificate for the files beside the fuzzed one (once). */
static void setup(void)
{
    if (store[0])
        return;
    snprintf(store, sizeof store, "%s/store", fuzz_dir());
    if (mkdir(store, 0700) != 0)
        abort();
    char pending[PATH_MAX + 16];
    snprintf(pending, sizeof pending, "%s/pending", store);
    if (mkdir(pending, 0700) != 0)
        abort();
    EVP_PKEY *k = EVP_RSA_gen(1024);
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    if (!k || !x || !b || !X509_set_pubkey(x, k) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_sign(x, k, EVP_sha256()))
        abort();
    if (!PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
        abort();
    key_len = (size_t)BIO_read(b, key_pem, sizeof key_pem);
    if (!PEM_write_bio_X509(b, x))
        abort();
    crt_len = (size_t)BIO_read(b, crt_pem, sizeof crt_pem);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void put(const char *rel, const void *data, size_t len)
{
    if (fuzz_write(rel, data, len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_init();
    setup();
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    scep_error e;
    scep_error_clear(&e);
    switch (data[0] % 4) {
    case 0: {
        put("store/k.key", key_pem, key_len);
        put("store/k.crt", crt_pem, crt_len);
        put("store/k.meta", d, n);
        scep_keystore *ks = NULL;
        if (scep_keystore_open(store, 10, &ks, &e) == SCEP_OK) {
            scep_keyinfo *keys = NULL;
            size_t count = 0;
            if (scep_keystore_list(ks, &keys, &count, &e) == SCEP_OK)
                free(keys);
            scep_keystore_close(ks);
        }
        break;
    }
    case 1: {
        put("store/pending/p.key", key_pem, key_len);
        put("store/pending/p.txn", d, n);
        scep_keystore *ks = NULL;
        if (scep_keystore_open(store, 10, &ks, &e) == SCEP_OK) {
            scep_txn t;
            EVP_PKEY *k = NULL;
            if (scep_txn_load(ks, "p", &t, &k, &e) == SCEP_OK)
                EVP_PKEY_free(k);
            scep_keystore_close(ks);
        }
        break;
    }
    case 2: {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/history.state", fuzz_dir());
        put("history.state", d, n);
        scep_history *h = NULL;
        if (scep_history_open(path, SCEP_HISTORY_MAX, &h, &e) == SCEP_OK) {
            for (unsigned i = 0; i < scep_history_count(h); i++)
                (void)scep_history_at(h, i)->name[0];
            scep_history_close(h);
        }
        break;
    }
    default:
        put("store/.nextindex", d, n);
        (void)scep_ks_read_nextindex(store);
        break;
    }
    return 0;
}
