/* test_keystore.c - key store (T1, A6, X3): store, list, capacity, names,
 * stable indexes, default key, replacement, certificate columns, threads.
 * Pending transactions and crash recovery are in test_kstxn.c; the fixture
 * is ksfix.c. */
#include "config.h"

#include "ksfix.h"
#include "scep-int.h"
#include "testutil.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- tests --------------------------------------------------------------- */

static void test_open_modes(void)
{
    char *base = tu_mkdtemp("ks");
    char dir[PATH_MAX];
    scep_keystore *ks = NULL;
    scep_error e;
    struct stat st;

    snprintf(dir, sizeof dir, "%s/store", base);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_keystore_open(dir, 5, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(stat(dir, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
    CU_ASSERT_STRING_EQUAL(scep_keystore_dir(ks), dir);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 0);
    CU_ASSERT_EQUAL(scep_keystore_capacity(ks), 5);
    scep_keystore_set_capacity(ks, 7);
    CU_ASSERT_EQUAL(scep_keystore_capacity(ks), 7);
    scep_keystore_close(ks);

    /* a looser existing directory is tightened, with a warning */
    CU_ASSERT_EQUAL(chmod(dir, 0755), 0);
    tu_log[0] = '\0';
    scep_set_log(tu_log_capture, NULL);
    CU_ASSERT_EQUAL(scep_keystore_open(dir, 5, &ks, &e), SCEP_OK);
    scep_set_log(NULL, NULL);
    CU_ASSERT_EQUAL(stat(dir, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
    CU_ASSERT_PTR_NOT_NULL(strstr(tu_log, "0755"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tu_log, "4:"));
    scep_keystore_close(ks);

    /* a file in the way is an I/O error */
    snprintf(dir, sizeof dir, "%s/file", base);
    tu_write_text(base, "file", "x");
    CU_ASSERT_EQUAL(scep_keystore_open(dir, 5, &ks, &e), SCEP_E_IO);
    CU_ASSERT_PTR_NULL(ks);
    tu_rmtree(base);
    free(base);
}

static void colon_upper(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 3 * i, i + 1 < n ? "%02X:" : "%02X", b[i]);
}

static void test_store_and_list(void)
{
    char *base, dir[PATH_MAX], path[PATH_MAX], expect[128], hex[SCEP_FPR_HEX_LEN + 1];
    scep_keystore *ks = ksfix_fresh(5, &base, dir, sizeof dir);
    time_t nb = 1700000000, na = 1700000000 + 90 * 86400;
    X509 *x = ksfix_cert_at(key_a, "web.example", "Acme", 0x01AB, nb, na);
    X509 *ca = ksfix_cert(key_b, "Test CA");
    STACK_OF(X509) *chain = sk_X509_new_null();
    scep_keyinfo out, *list = NULL;
    unsigned char *der = NULL, md[32];
    unsigned int mdlen = 0;
    size_t n = 0;
    scep_error e;
    EVP_PKEY *lk = NULL;
    X509 *lc = NULL;

    sk_X509_push(chain, ca);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_store(ks, "web", key_a, x, chain, SCEP_USAGE_TLS,
                                              NULL, NULL, &out, &e),
                          SCEP_OK);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "web.key"), 0600);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "web.crt"), 0644);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "web.chain.pem"), 0644);
    CU_ASSERT(tu_file_exists(dir, "web.meta"));
    CU_ASSERT_EQUAL(tu_file_mode(base, "store"), 0700);
    CU_ASSERT_EQUAL(out.index, 1);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 1);

    scep_keystore_key_path(ks, "web", path, sizeof path);
    CU_ASSERT_PTR_NOT_NULL(strstr(path, "/store/web.key"));
    scep_keystore_chain_path(ks, "web", path, sizeof path);
    CU_ASSERT_PTR_NOT_NULL(strstr(path, "/store/web.chain.pem"));
    scep_keystore_cert_path(ks, "web", path, sizeof path);
    {
        size_t len;
        char *pem = (char *)tu_read(path, &len);
        CU_ASSERT_PTR_NOT_NULL(pem && strstr(pem, "BEGIN CERTIFICATE"));
        free(pem);
        scep_keystore_key_path(ks, "web", path, sizeof path);
        pem = (char *)tu_read(path, &len);
        CU_ASSERT_PTR_NOT_NULL(pem && strstr(pem, "BEGIN PRIVATE KEY")); /* PKCS#8 */
        free(pem);
    }

    /* the fingerprint as `openssl x509 -fingerprint -sha256`: SHA-256 of the DER */
    int dl = i2d_X509(x, &der);
    CU_ASSERT_FATAL(dl > 0);
    CU_ASSERT(EVP_Digest(der, (size_t)dl, md, &mdlen, EVP_sha256(), NULL));
    OPENSSL_free(der);
    colon_upper(md, mdlen, expect);
    CU_ASSERT_EQUAL(scep_cert_fpr_hex(x, hex), SCEP_OK);
    for (unsigned i = 0; i < 32; i++) {
        char two[3];
        snprintf(two, sizeof two, "%02x", md[i]);
        CU_ASSERT(hex[2 * i] == two[0] && hex[2 * i + 1] == two[1]);
    }
    CU_ASSERT_EQUAL(strlen(hex), 64);

    CU_ASSERT_EQUAL(scep_keystore_list(ks, &list, &n, &e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(list[0].index, 1);
    CU_ASSERT_STRING_EQUAL(list[0].name, "web");
    CU_ASSERT_EQUAL(list[0].usage, SCEP_USAGE_TLS);
    CU_ASSERT_EQUAL(list[0].bits, 1024);
    CU_ASSERT_EQUAL(list[0].has_cert, 1);
    CU_ASSERT_STRING_EQUAL(list[0].subject, "CN=web.example,O=Acme");
    CU_ASSERT_STRING_EQUAL(list[0].issuer, "CN=web.example,O=Acme");
    CU_ASSERT_STRING_EQUAL(list[0].serial, "01:AB");
    CU_ASSERT_EQUAL(list[0].not_before, nb);
    CU_ASSERT_EQUAL(list[0].not_after, na);
    CU_ASSERT_STRING_EQUAL(list[0].sha256, expect);
    CU_ASSERT_EQUAL(strlen(list[0].sha256), 95);
    CU_ASSERT(list[0].created > 0);
    free(list);

    /* the same after a reopen (read back from the files) */
    scep_keystore_close(ks);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 5, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_get(ks, "web", &out, &e), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(out.sha256, expect);
    CU_ASSERT_EQUAL(out.index, 1);
    CU_ASSERT_EQUAL(out.bits, 1024);
    CU_ASSERT_EQUAL(out.not_after, na);
    CU_ASSERT_EQUAL(out.usage, SCEP_USAGE_TLS);
    CU_ASSERT_EQUAL(scep_keystore_get(ks, "nope", &out, &e), SCEP_E_NOT_FOUND);

    /* load for renewal: the same key pair and certificate */
    CU_ASSERT_EQUAL(scep_keystore_load(ks, "web", &lk, &lc, &e), SCEP_OK);
    CU_ASSERT(lk && EVP_PKEY_eq(lk, key_a) == 1);
    CU_ASSERT(lc && X509_cmp(lc, x) == 0);
    EVP_PKEY_free(lk);
    X509_free(lc);
    CU_ASSERT_EQUAL(scep_keystore_load(ks, "nope", &lk, &lc, &e), SCEP_E_NOT_FOUND);
    CU_ASSERT_PTR_NULL(lk);

    scep_keystore_close(ks);
    sk_X509_pop_free(chain, X509_free);
    X509_free(x);
    tu_rmtree(base);
    free(base);
}

static void test_cert_columns(void)
{
    scep_keyinfo k;
    char big[64];
    X509 *x;

    /* serial zero, UTF-8 kept (no \XX escapes), RFC 2253 escaping of ',' */
    x = ksfix_cert_at(key_a, "h\xc3\xa9llo, world", NULL, 0, 0, 86400);
    memset(&k, 0x55, sizeof k);
    scep_cert_fill_info(x, &k);
    CU_ASSERT_EQUAL(k.has_cert, 1);
    CU_ASSERT_STRING_EQUAL(k.serial, "00");
    CU_ASSERT_STRING_EQUAL(k.subject, "CN=h\xc3\xa9llo\\, world");
    CU_ASSERT_EQUAL(k.not_before, 0);
    CU_ASSERT_EQUAL(k.not_after, 86400);
    X509_free(x);

    /* a subject longer than the column is cut, still NUL-terminated */
    memset(big, 'a', 60);
    big[60] = '\0';
    x = ksfix_cert_at(key_a, "c", NULL, 0x7fffffffL, 0, 86400);
    {
        X509_NAME *nm = X509_get_subject_name(x); /* 5 x 60 characters */
        for (int i = 0; i < 5; i++)
            CU_ASSERT(X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_UTF8,
                                                 (const unsigned char *)big, -1, -1, 0));
    }
    scep_cert_fill_info(x, &k);
    CU_ASSERT_EQUAL(strlen(k.subject), sizeof k.subject - 1);
    CU_ASSERT_STRING_EQUAL(k.serial, "7F:FF:FF:FF");
    X509_free(x);

    scep_cert_fill_info(NULL, &k);
    CU_ASSERT_EQUAL(k.has_cert, 0);
    CU_ASSERT_STRING_EQUAL(k.subject, "");
}

static void test_capacity(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(3, &base, dir, sizeof dir);
    scep_error e;
    int before;

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_keystore_check_room(ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "k1", key_a, SCEP_USAGE_NONE, NULL, NULL, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "k2", key_a, SCEP_USAGE_NONE, NULL, NULL, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "k3", key_a, SCEP_USAGE_NONE, NULL, NULL, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 3);
    CU_ASSERT_EQUAL(scep_keystore_check_room(ks, &e), SCEP_E_KEYSTORE_FULL);
    CU_ASSERT_EQUAL(e.code, SCEP_E_KEYSTORE_FULL);
    CU_ASSERT_STRING_EQUAL(e.text, "key store full (3 of 3)");

    before = tu_count_entries(dir);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(ksfix_store(ks, "k4", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_E_KEYSTORE_FULL);
    CU_ASSERT_EQUAL(tu_count_entries(dir), before);
    CU_ASSERT(!tu_file_exists(dir, "k4.key"));
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 3);

    /* pending transactions do not count */
    scep_txn t;
    memset(&t, 0, sizeof t);
    strcpy(t.name, "k5");
    strcpy(t.transaction_id, "abcd");
    t.msg_type = SCEP_MSG_PKCSREQ;
    t.usage = SCEP_USAGE_NONE;
    t.hash = SCEP_HASH_SHA256;
    t.bits = 1024;
    CU_ASSERT_EQUAL(scep_txn_save(ks, &t, key_a, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 3);

    scep_keystore_set_capacity(ks, 4);
    CU_ASSERT_EQUAL(scep_keystore_check_room(ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "k4", key_a, SCEP_USAGE_NONE, NULL, NULL, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 4);
    /* capacity lowered below the count: still full, nothing deleted */
    scep_keystore_set_capacity(ks, 2);
    CU_ASSERT_EQUAL(scep_keystore_check_room(ks, &e), SCEP_E_KEYSTORE_FULL);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 4);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_names(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    const char *bad[] = {
        "", ".hidden", "a/b", "../x", "sp ace", "123456789012345678901234567890123", NULL};
    scep_error e;

    scep_error_clear(&e);
    for (int i = 0; bad[i]; i++)
        CU_ASSERT_EQUAL(ksfix_store(ks, bad[i], key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                        SCEP_E_NAME);
    CU_ASSERT_EQUAL(tu_count_entries(dir), 2); /* the lock files only */
    CU_ASSERT_TRUE(tu_file_exists(dir, ".lock"));
    CU_ASSERT_TRUE(tu_file_exists(dir, ".store.lock"));
    CU_ASSERT_EQUAL(ksfix_store(ks, "Ok_name-1.x", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "Ok_name-1.x", key_b, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_E_EXISTS);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 1);
    CU_ASSERT(scep_keystore_exists(ks, "Ok_name-1.x"));
    CU_ASSERT(!scep_keystore_exists(ks, "ok_name-1.x")); /* exact comparison */
    /* names that look like our suffixes are still plain names */
    CU_ASSERT_EQUAL(ksfix_store(ks, "a.tmp1", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "b.meta", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_reload(ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 3);
    scep_keystore_close(ks);
    CU_ASSERT_EQUAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 3);
    CU_ASSERT(scep_keystore_exists(ks, "a.tmp1"));
    CU_ASSERT(scep_keystore_exists(ks, "b.meta"));
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_stable_index(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    scep_keyinfo *list = NULL;
    size_t n = 0;
    scep_error e;

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(ksfix_store(ks, "zeta", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "alpha", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "mid", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "zeta"), 1);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "alpha"), 2);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "mid"), 3);
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "alpha", &e), SCEP_OK);
    CU_ASSERT(!tu_file_exists(dir, "alpha.key"));
    CU_ASSERT(!tu_file_exists(dir, "alpha.meta"));
    CU_ASSERT(!tu_file_exists(dir, "alpha.crt"));
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "alpha", &e), SCEP_E_NOT_FOUND);
    scep_keystore_close(ks);

    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "zeta"), 1);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "mid"), 3);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "alpha"), 0);
    /* the highest index is deleted: still not reused, across a reopen */
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "mid", &e), SCEP_OK);
    scep_keystore_close(ks);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "new", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "new"), 4);
    CU_ASSERT_EQUAL(ksfix_store(ks, "alpha", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "alpha"), 5);
    CU_ASSERT_EQUAL(scep_keystore_list(ks, &list, &n, &e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(list[0].name, "zeta");
    CU_ASSERT_STRING_EQUAL(list[1].name, "new");
    CU_ASSERT_STRING_EQUAL(list[2].name, "alpha");
    free(list);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_default_key(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    char name[SCEP_NAME_MAX + 1];
    scep_error e;

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(ksfix_store(ks, "dflt", key_a, SCEP_USAGE_TLS, NULL, NULL, &e),
                    SCEP_OK);
    scep_keystore_set_default(ks, "dflt");
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "dflt", &e), SCEP_E_DEFAULT_KEY);
    CU_ASSERT(tu_file_exists(dir, "dflt.meta"));
    /* never replaced, neither by another name nor in place */
    CU_ASSERT_EQUAL(ksfix_store(ks, "other", key_b, SCEP_USAGE_TLS, "dflt", NULL, &e),
                    SCEP_E_DEFAULT_KEY);
    CU_ASSERT(!scep_keystore_exists(ks, "other"));
    CU_ASSERT(!tu_file_exists(dir, "other.key"));
    CU_ASSERT_EQUAL(ksfix_store(ks, "dflt", key_b, SCEP_USAGE_TLS, "dflt", NULL, &e),
                    SCEP_E_DEFAULT_KEY);
    CU_ASSERT(!tu_file_exists(dir, "dflt.key.new"));
    /* find_usage skips the default key */
    CU_ASSERT_EQUAL(scep_keystore_find_usage(ks, SCEP_USAGE_TLS, name, sizeof name), 0);
    CU_ASSERT_STRING_EQUAL(name, "");
    scep_keystore_set_default(ks, NULL);
    CU_ASSERT_EQUAL(scep_keystore_find_usage(ks, SCEP_USAGE_TLS, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "dflt");
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "dflt", &e), SCEP_OK);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static time_t fake_now;
static time_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static void test_find_usage(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    char name[SCEP_NAME_MAX + 1];
    scep_error e;

    scep_set_clock(fake_clock, NULL);
    fake_now = 2000;
    CU_ASSERT_EQUAL(ksfix_store(ks, "late", key_a, SCEP_USAGE_IPSEC, NULL, NULL, &e),
                    SCEP_OK);
    fake_now = 1000;
    CU_ASSERT_EQUAL(ksfix_store(ks, "early", key_a, SCEP_USAGE_IPSEC, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "tls", key_a, SCEP_USAGE_TLS, NULL, NULL, &e), SCEP_OK);
    scep_set_clock(NULL, NULL);
    CU_ASSERT_EQUAL(scep_keystore_find_usage(ks, SCEP_USAGE_IPSEC, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "late");
    CU_ASSERT_EQUAL(scep_keystore_find_usage(ks, SCEP_USAGE_DOT1X, name, sizeof name), 0);
    CU_ASSERT_STRING_EQUAL(name, "");
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_replace(void)
{
    char *base, dir[PATH_MAX], p[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(2, &base, dir, sizeof dir);
    scep_keyinfo k1, k2;
    scep_error e;
    EVP_PKEY *lk = NULL;

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(ksfix_store(ks, "old", key_a, SCEP_USAGE_TLS, NULL, &k1, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks, "keep", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_check_room(ks, &e), SCEP_E_KEYSTORE_FULL);

    /* a failed store leaves the old key and nothing of the new one: make the
     * certificate's rename fail with a directory in the way */
    CU_ASSERT_FATAL(snprintf(p, sizeof p, "%s/new.crt", dir) < (int)sizeof p);
    CU_ASSERT_EQUAL_FATAL(mkdir(p, 0700), 0);
    CU_ASSERT_NOT_EQUAL(ksfix_store(ks, "new", key_b, SCEP_USAGE_TLS, "old", NULL, &e),
                        SCEP_OK);
    CU_ASSERT(scep_keystore_exists(ks, "old"));
    CU_ASSERT(tu_file_exists(dir, "old.key"));
    CU_ASSERT(!scep_keystore_exists(ks, "new"));
    CU_ASSERT(!tu_file_exists(dir, "new.key"));
    CU_ASSERT(!tu_file_exists(dir, "new.meta"));
    CU_ASSERT_EQUAL(rmdir(p), 0);

    /* A6: full store, the count does not grow */
    CU_ASSERT_EQUAL(ksfix_store(ks, "new", key_b, SCEP_USAGE_TLS, "old", &k2, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 2);
    CU_ASSERT(!scep_keystore_exists(ks, "old"));
    CU_ASSERT(!tu_file_exists(dir, "old.key"));
    CU_ASSERT(!tu_file_exists(dir, "old.meta"));
    CU_ASSERT(k2.index > k1.index);

    /* in place (same name): same index, new key and certificate */
    CU_ASSERT_EQUAL(ksfix_store(ks, "new", key_a, SCEP_USAGE_TLS, "new", &k1, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k1.index, k2.index);
    CU_ASSERT_STRING_NOT_EQUAL(k1.sha256, k2.sha256);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 2);
    CU_ASSERT(!tu_file_exists(dir, "new.key.new"));
    CU_ASSERT(!tu_file_exists(dir, "new.meta.new"));
    CU_ASSERT_EQUAL(tu_file_mode(dir, "new.key"), 0600);
    CU_ASSERT_EQUAL(scep_keystore_load(ks, "new", &lk, NULL, &e), SCEP_OK);
    CU_ASSERT(lk && EVP_PKEY_eq(lk, key_a) == 1);
    EVP_PKEY_free(lk);
    scep_keystore_close(ks);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 2, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_get(ks, "new", &k2, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k2.index, k1.index);
    CU_ASSERT_STRING_EQUAL(k2.sha256, k1.sha256);

    /* replacing a key that is not there: a plain store, capacity applies */
    CU_ASSERT_EQUAL(ksfix_store(ks, "x", key_a, SCEP_USAGE_TLS, "gone", NULL, &e),
                    SCEP_E_KEYSTORE_FULL);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_days_and_status(void)
{
    scep_keyinfo k;
    const time_t nb = 1000000, na = nb + 30 * 86400;

    memset(&k, 0, sizeof k);
    k.not_before = nb;
    k.not_after = na;
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, nb, 7), SCEP_CERT_NONE);
    k.has_cert = 1;
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, nb - 1, 7), SCEP_CERT_NOTYETVALID);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, nb, 7), SCEP_CERT_VALID);
    CU_ASSERT_EQUAL(scep_days_left(&k, nb), 30);
    /* exactly at notAfter: expired, 0 days */
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, na, 7), SCEP_CERT_EXPIRED);
    CU_ASSERT_EQUAL(scep_days_left(&k, na), 0);
    /* 1 s before: 0 days left, expiring */
    CU_ASSERT_EQUAL(scep_days_left(&k, na - 1), 0);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, na - 1, 7), SCEP_CERT_EXPIRING);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, na - 1, 0),
                    SCEP_CERT_VALID); /* 0 = no window */
    /* floor, negative once expired */
    CU_ASSERT_EQUAL(scep_days_left(&k, na + 1), -1);
    CU_ASSERT_EQUAL(scep_days_left(&k, na + 86400), -1);
    CU_ASSERT_EQUAL(scep_days_left(&k, na + 86401), -2);
    /* the warning window: warn_days days left or fewer (scepcKeyStoreWarnDays) */
    CU_ASSERT_EQUAL(scep_days_left(&k, na - 8 * 86400), 8);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, na - 8 * 86400, 7), SCEP_CERT_VALID);
    CU_ASSERT_EQUAL(scep_days_left(&k, na - 7 * 86400), 7);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, na - 7 * 86400, 7), SCEP_CERT_EXPIRING);
    CU_ASSERT_EQUAL(scep_days_left(&k, na - 7 * 86400 + 1), 6);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, na - 7 * 86400 + 1, 7), SCEP_CERT_EXPIRING);
}

static void test_many_keys(void)
{
    char *base = tu_mkdtemp("ks"), dir[PATH_MAX], fn[64], meta[128];
    scep_keystore *ks = NULL;
    scep_keyinfo *list = NULL, k;
    size_t n = 0;
    scep_error e;
    int ok = 1;

    snprintf(dir, sizeof dir, "%s/store", base);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    /* 1000 keys whose name order differs from the index order */
    for (unsigned i = 0; i < 1000; i++) {
        unsigned idx = (i * 7919u) % 1000u + 1u;
        snprintf(fn, sizeof fn, "key%04u.key", i);
        tu_write_text(dir, fn, "");
        snprintf(fn, sizeof fn, "key%04u.meta", i);
        snprintf(meta, sizeof meta, "index %u\nusage tls\nbits 2048\ncreated %u\n", idx, i);
        tu_write_text(dir, fn, meta);
    }
    scep_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 2000, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 1000);
    CU_ASSERT_EQUAL(scep_keystore_list(ks, &list, &n, &e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(n, 1000);
    for (size_t i = 0; i < n; i++)
        if (list[i].index != i + 1 || list[i].has_cert || list[i].bits != 2048)
            ok = 0;
    CU_ASSERT(ok);
    free(list);
    CU_ASSERT_EQUAL(scep_keystore_get(ks, "key0001", &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k.index, 7919u % 1000u + 1u);
    CU_ASSERT_EQUAL(scep_cert_status_at(&k, time(NULL), 30), SCEP_CERT_NONE);
    CU_ASSERT_EQUAL(ksfix_store(ks, "more", key_a, SCEP_USAGE_NONE, NULL, &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k.index, 1001);
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "key0500", &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 1000);
    CU_ASSERT(!scep_keystore_exists(ks, "key0500"));
    CU_ASSERT(scep_keystore_exists(ks, "key0499"));
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

/* ---- threads: the worker stores while the main thread lists ---------------- */

struct worker {
    scep_keystore *ks;
    X509 *cert;
    int failures;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    char name[16];

    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "w%02d", i);
        if (scep_keystore_store(w->ks, name, key_a, w->cert, NULL, SCEP_USAGE_NONE, NULL,
                                NULL, NULL, NULL) != SCEP_OK)
            w->failures++;
    }
    return NULL;
}

static void test_threads(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(100, &base, dir, sizeof dir);
    struct worker w = {ks, ksfix_cert(key_a, "w"), 0};
    pthread_t th;
    int bad = 0;

    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, worker_run, &w), 0);
    for (int i = 0; i < 200; i++) {
        scep_keyinfo *list = NULL;
        size_t n = 0;
        if (scep_keystore_list(ks, &list, &n, NULL) != SCEP_OK)
            bad++;
        for (size_t j = 1; j < n; j++)
            if (list[j].index <= list[j - 1].index)
                bad++;
        free(list);
        (void)scep_keystore_exists(ks, "w05");
        (void)scep_keystore_reload(ks, NULL);
    }
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(w.failures, 0);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 30);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "w29"), 30);
    X509_free(w.cert);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

int main(void)
{
    return tu_run_fixture(
        "keystore",
        (tu_case[]){{"open creates 0700, tightens a loose mode", test_open_modes},
                    {"store: files, modes, list columns", test_store_and_list},
                    {"certificate columns", test_cert_columns},
                    {"capacity (full, pending not counted)", test_capacity},
                    {"names invalid or existing", test_names},
                    {"stable index, never reused", test_stable_index},
                    {"default key protected", test_default_key},
                    {"find_usage: latest, not default", test_find_usage},
                    {"replace (A6) and in place", test_replace},
                    {"days left and status boundaries", test_days_and_status},
                    {"1000 keys: count and order", test_many_keys},
                    {"worker stores while main lists", test_threads},
                    {NULL, NULL}},
        ksfix_init, ksfix_cleanup);
}
