/* test_kstxn.c - the key store on disk after trouble: pending transactions
 * (M12, B2), orphan and temp file clean-up, roll-forward of a committed
 * replacement, duplicate indexes and corrupt metadata. Fixture: ksfix.c. */
#include "config.h"

#include "ksfix.h"
#include "scep-int.h"
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

static void test_txn(void)
{
    char *base, dir[PATH_MAX], pdir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(1, &base, dir, sizeof dir);
    scep_txn t, u;
    EVP_PKEY *k = NULL;
    scep_error e;

    memset(&t, 0, sizeof t);
    strcpy(t.name, "vpn");
    strcpy(t.transaction_id,
           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    t.msg_type = SCEP_MSG_RENEWALREQ;
    t.polls = 3;
    t.created = 1700000123;
    t.usage = SCEP_USAGE_IPSEC;
    strcpy(t.ipsec_policy, "office vpn");
    t.hash = SCEP_HASH_SHA512;
    t.bits = 3072;
    strcpy(t.subject, "CN=vpn.example,O=Acme\\, Inc.");
    strcpy(t.replace, "vpn-old");
    scep_error_clear(&e);
    CU_ASSERT(!scep_pending_exists(ks, "vpn"));
    CU_ASSERT_EQUAL_FATAL(scep_txn_save(ks, &t, key_a, &e), SCEP_OK);
    CU_ASSERT_FATAL(snprintf(pdir, sizeof pdir, "%s/pending", dir) < (int)sizeof pdir);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "pending"), 0700);
    CU_ASSERT_EQUAL(tu_file_mode(pdir, "vpn.key"), 0600);
    CU_ASSERT(tu_file_exists(pdir, "vpn.txn"));
    CU_ASSERT(scep_pending_exists(ks, "vpn"));
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 0);
    CU_ASSERT_EQUAL(scep_keystore_check_room(ks, &e), SCEP_OK);

    /* round trip, also after a reopen (the subdirectory is not a key) */
    scep_keystore_close(ks);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 1, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 0);
    CU_ASSERT_EQUAL_FATAL(scep_txn_load(ks, "vpn", &u, &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(memcmp(&t, &u, sizeof t), 0);
    CU_ASSERT(k && EVP_PKEY_eq(k, key_a) == 1);
    EVP_PKEY_free(k);
    k = NULL;

    /* a second transaction with the minimum of fields, no key wanted */
    memset(&t, 0, sizeof t);
    strcpy(t.name, "min");
    strcpy(t.transaction_id, "x1");
    t.msg_type = SCEP_MSG_PKCSREQ;
    t.usage = SCEP_USAGE_NONE;
    t.hash = SCEP_HASH_SHA1;
    t.bits = 1024;
    CU_ASSERT_EQUAL(scep_txn_save(ks, &t, key_b, &e), SCEP_OK);
    CU_ASSERT_EQUAL(scep_txn_load(ks, "min", &u, NULL, &e), SCEP_OK);
    CU_ASSERT_EQUAL(memcmp(&t, &u, sizeof t), 0);

    /* invalid fields are refused before anything is written */
    strcpy(t.name, "bad");
    strcpy(t.subject, "CN=a\nname x");
    CU_ASSERT_EQUAL(scep_txn_save(ks, &t, key_b, &e), SCEP_E_INVALID);
    CU_ASSERT(!tu_file_exists(pdir, "bad.key"));
    strcpy(t.name, "../x");
    CU_ASSERT_EQUAL(scep_txn_save(ks, &t, key_b, &e), SCEP_E_NAME);

    /* corrupt: a required field missing; unknown keys are ignored */
    tu_write_text(pdir, "min.txn",
                  "name min\nmsgType 19\npolls 0\ncreated 1\nusage none\n"
                  "hash sha1\nbits 1024\nsubject \n");
    CU_ASSERT_EQUAL(scep_txn_load(ks, "min", &u, NULL, &e), SCEP_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "corrupt transaction file"));
    tu_write_text(pdir, "min.txn",
                  "name min\ntransactionId x1\nmsgType 19\npolls 0\n"
                  "created 1\nusage none\nhash sha1\nbits 1024\nsubject \n"
                  "futureField 42\n");
    CU_ASSERT_EQUAL(scep_txn_load(ks, "min", &u, NULL, &e), SCEP_OK);
    tu_write_text(pdir, "min.txn",
                  "name min\ntransactionId x1\nmsgType 19\npolls -1\n"
                  "created 1\nusage none\nhash sha1\nbits 1024\nsubject \n");
    CU_ASSERT_EQUAL(scep_txn_load(ks, "min", &u, NULL, &e), SCEP_E_IO);
    tu_write_text(pdir, "min.txn",
                  "name other\ntransactionId x1\nmsgType 19\npolls 0\n"
                  "created 1\nusage none\nhash sha1\nbits 1024\nsubject \n");
    CU_ASSERT_EQUAL(scep_txn_load(ks, "min", &u, NULL, &e), SCEP_E_IO);
    /* the key missing: corrupt as well */
    tu_write_text(pdir, "min.txn",
                  "name min\ntransactionId x1\nmsgType 19\npolls 0\n"
                  "created 1\nusage none\nhash sha1\nbits 1024\nsubject \n");
    tu_write_text(pdir, "min.key", "not a key");
    CU_ASSERT_EQUAL(scep_txn_load(ks, "min", &u, &k, &e), SCEP_E_IO);
    CU_ASSERT_PTR_NULL(k);

    /* delete removes both files */
    CU_ASSERT_EQUAL(scep_txn_delete(ks, "vpn", &e), SCEP_OK);
    CU_ASSERT(!tu_file_exists(pdir, "vpn.key"));
    CU_ASSERT(!tu_file_exists(pdir, "vpn.txn"));
    CU_ASSERT(!scep_pending_exists(ks, "vpn"));
    CU_ASSERT_EQUAL(scep_txn_load(ks, "vpn", &u, NULL, &e), SCEP_E_NOT_FOUND);
    CU_ASSERT_EQUAL(scep_txn_delete(ks, "vpn", &e), SCEP_E_NOT_FOUND);
    CU_ASSERT_EQUAL(scep_pending_drop(ks, "min", &e), SCEP_OK);
    CU_ASSERT_EQUAL(tu_count_entries(pdir), 0);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_orphans(void)
{
    char *base, dir[PATH_MAX], meta[1024];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    scep_keyinfo k, old;
    X509 *x;
    char *pem;
    size_t len;
    scep_error e;

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(ksfix_store(ks, "a", key_a, SCEP_USAGE_NONE, NULL, &old, &e), SCEP_OK);
    scep_keystore_close(ks);

    /* a crash between writes, temp files, remains of a delete */
    tu_write_text(dir, "b.key", "junk");
    tu_write_text(dir, "b.crt", "junk");
    tu_write_text(dir, "b.chain.pem", "junk");
    tu_write_text(dir, "a.key.tmpXyZ123", "junk");
    tu_write_text(dir, "a.meta.tmpAbC987", "junk");
    tu_write_text(dir, ".nextindex.tmpQQQQQQ", "junk");
    tu_write_text(dir, "c.meta", "index 7\nusage none\n"); /* no c.key */
    tu_write_text(dir, "c.crt", "junk");
    tu_write_text(dir, "d.key.new", "junk"); /* uncommitted replacement */
    tu_write_text(dir, "unrelated.txt", "mine");
    tu_log[0] = '\0';
    scep_set_log(tu_log_capture, NULL);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    scep_set_log(NULL, NULL);
    CU_ASSERT(!tu_file_exists(dir, "b.key"));
    CU_ASSERT(!tu_file_exists(dir, "b.crt"));
    CU_ASSERT(!tu_file_exists(dir, "b.chain.pem"));
    CU_ASSERT(!tu_file_exists(dir, "a.key.tmpXyZ123"));
    CU_ASSERT(!tu_file_exists(dir, "a.meta.tmpAbC987"));
    CU_ASSERT(!tu_file_exists(dir, ".nextindex.tmpQQQQQQ"));
    CU_ASSERT(!tu_file_exists(dir, "c.meta"));
    CU_ASSERT(!tu_file_exists(dir, "c.crt"));
    CU_ASSERT(!tu_file_exists(dir, "d.key.new"));
    CU_ASSERT(tu_file_exists(dir, "unrelated.txt"));
    CU_ASSERT(tu_file_exists(dir, "a.key"));
    CU_ASSERT(tu_file_exists(dir, ".nextindex"));
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(tu_log, "5:key store: removed")); /* notice */
    /* c's index 7 was never committed: the next key gets 2 */
    CU_ASSERT_EQUAL(ksfix_store(ks, "e", key_a, SCEP_USAGE_NONE, NULL, &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k.index, 2);
    scep_keystore_close(ks);

    /* a crash after the commit of an in-place replacement: rolled forward */
    x = ksfix_cert(key_b, "a-renewed");
    CU_ASSERT_EQUAL(scep_cert_to_pem(x, &pem, &len, &e), SCEP_OK);
    tu_write_text(dir, "a.crt.new", pem);
    free(pem);
    CU_ASSERT_EQUAL(scep_key_to_pem(key_b, &pem, &len, &e), SCEP_OK);
    tu_write_text(dir, "a.key.new", pem);
    free(pem);
    k = old;
    k.created = 42;
    CU_ASSERT_FATAL(scep_ks_meta_format(&k, 0, meta, sizeof meta) > 0);
    tu_write_text(dir, "a.meta.new", meta);
    tu_write_text(dir, "a.chain.pem", "old chain"); /* the new meta says: no chain */
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    CU_ASSERT(!tu_file_exists(dir, "a.crt.new"));
    CU_ASSERT(!tu_file_exists(dir, "a.key.new"));
    CU_ASSERT(!tu_file_exists(dir, "a.meta.new"));
    CU_ASSERT(!tu_file_exists(dir, "a.chain.pem"));
    CU_ASSERT_EQUAL(scep_keystore_get(ks, "a", &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k.index, old.index);
    CU_ASSERT_EQUAL(k.created, 42);
    CU_ASSERT_STRING_EQUAL(k.subject, "CN=a-renewed,O=Acme");
    X509_free(x);

    /* a reload picks up an outside change */
    CU_ASSERT_EQUAL(scep_keystore_delete(ks, "e", &e), SCEP_OK);
    tu_write_text(dir, "z.key", "junk");
    CU_ASSERT_EQUAL(scep_keystore_reload(ks, &e), SCEP_OK);
    CU_ASSERT(!tu_file_exists(dir, "z.key"));
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 1);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

static void test_duplicate_index(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    scep_error e;
    uint32_t a, b;

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(ksfix_store(ks, "one", key_a, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_OK);
    scep_keystore_close(ks);
    /* an operator copied files by hand: same index twice */
    tu_write_text(dir, "two.key", "junk");
    tu_write_text(dir, "two.meta", "index 1\nusage none\n");
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    a = ksfix_index_of(ks, "one");
    b = ksfix_index_of(ks, "two");
    CU_ASSERT_EQUAL(scep_keystore_count(ks), 2);
    CU_ASSERT(a != b && a && b);
    scep_keystore_close(ks);
    /* the new index was persisted */
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "one"), a);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "two"), b);
    /* corrupt metadata is ignored (the files are left alone) */
    tu_write_text(dir, "bad.key", "junk");
    tu_write_text(dir, "bad.meta", "usage none\n"); /* no index */
    CU_ASSERT_EQUAL(scep_keystore_reload(ks, &e), SCEP_OK);
    CU_ASSERT(!scep_keystore_exists(ks, "bad"));
    CU_ASSERT(tu_file_exists(dir, "bad.meta"));
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

/* Issue 9: the store shared with another process (sceptool --store). What a
 * half-done store of the other process looks like is not cleaned up while it
 * holds the store's lock; once it lets go, the next clean-up removes it. Two
 * instances stand for the two processes (flock is per open file). */
static void test_shared_with_other_process(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(10, &base, dir, sizeof dir);
    scep_error e;
    scep_error_clear(&e);

    int other = scep_ks_flock(ks, LOCK_SH); /* "sceptool" is writing b */
    CU_ASSERT_FATAL(other >= 0);
    tu_write_text(dir, "b.key", "half written");
    tu_write_text(dir, "b.crt.tmpAbCdEf", "half written");
    scep_keystore *ks2 = NULL; /* the agent starts meanwhile */
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 10, &ks2, &e), SCEP_OK);
    CU_ASSERT_TRUE(tu_file_exists(dir, "b.key"));
    CU_ASSERT_TRUE(tu_file_exists(dir, "b.crt.tmpAbCdEf"));
    CU_ASSERT_EQUAL(scep_keystore_reload(ks2, &e), SCEP_OK); /* a SIGHUP: the same */
    CU_ASSERT_TRUE(tu_file_exists(dir, "b.key"));
    scep_ks_funlock(other); /* the other process is gone, b never committed */
    CU_ASSERT_EQUAL(scep_keystore_reload(ks2, &e), SCEP_OK);
    CU_ASSERT_FALSE(tu_file_exists(dir, "b.key"));
    CU_ASSERT_FALSE(tu_file_exists(dir, "b.crt.tmpAbCdEf"));
    CU_ASSERT_EQUAL(tu_file_mode(dir, ".lock"), 0600);
    scep_keystore_close(ks2);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

int main(void)
{
    return tu_run_fixture(
        "kstxn",
        (tu_case[]){{"pending transactions", test_txn},
                    {"orphans, temp files, roll-forward", test_orphans},
                    {"duplicate index, corrupt meta", test_duplicate_index},
                    {"store shared with another process", test_shared_with_other_process},
                    {NULL, NULL}},
        ksfix_init, ksfix_cleanup);
}
