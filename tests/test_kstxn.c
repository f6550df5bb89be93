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
#include <sys/wait.h>
#include <unistd.h>

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

/* Issue 9 item 9: two processes (two instances here, each with its own
 * memory, like the agent and sceptool --store) store into one directory:
 * the second never takes the index the first issued, never overwrites a
 * name the first stored; then both store at the same time from two real
 * processes, and every key has an index of its own. */
static void test_two_processes_store(void)
{
    char *base, dir[PATH_MAX];
    scep_keystore *ks = ksfix_fresh(100, &base, dir, sizeof dir);
    scep_keystore *ks2 = NULL;
    scep_keyinfo k1, k2;
    scep_error e;
    scep_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(dir, 100, &ks2, &e), SCEP_OK);

    CU_ASSERT_EQUAL(ksfix_store(ks, "a", key_a, SCEP_USAGE_NONE, NULL, &k1, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_store(ks2, "b", key_b, SCEP_USAGE_NONE, NULL, &k2, &e), SCEP_OK);
    CU_ASSERT_EQUAL(k1.index, 1);
    CU_ASSERT_EQUAL(k2.index, 2); /* not 1 again */
    /* "a" of the other process is not overwritten */
    CU_ASSERT_EQUAL(ksfix_store(ks2, "a", key_b, SCEP_USAGE_NONE, NULL, NULL, &e),
                    SCEP_E_EXISTS);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "another process"));
    CU_ASSERT_EQUAL(scep_keystore_reload(ks, &e), SCEP_OK);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "a"), 1);
    CU_ASSERT_EQUAL(ksfix_index_of(ks, "b"), 2);
    scep_keystore_close(ks2);

    /* Two real processes at once: 12 keys each. */
    enum { EACH = 12 };
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        scep_keystore *c = NULL;
        scep_error ce;
        scep_error_clear(&ce);
        int bad = scep_keystore_open(dir, 100, &c, &ce) != SCEP_OK;
        for (int i = 0; !bad && i < EACH; i++) {
            char name[32];
            snprintf(name, sizeof name, "child%d", i);
            bad = ksfix_store(c, name, key_b, SCEP_USAGE_NONE, NULL, NULL, &ce) != SCEP_OK;
        }
        /* what the parent owns too: no leak under valgrind in the child */
        scep_keystore_close(c);
        scep_keystore_close(ks);
        free(base);
        ksfix_cleanup();
        _exit(bad);
    }
    int parent_bad = 0;
    for (int i = 0; i < EACH; i++) {
        char name[32];
        snprintf(name, sizeof name, "parent%d", i);
        parent_bad |=
            ksfix_store(ks, name, key_a, SCEP_USAGE_NONE, NULL, NULL, &e) != SCEP_OK;
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_FALSE(parent_bad);
    CU_ASSERT_EQUAL(scep_keystore_reload(ks, &e), SCEP_OK);
    scep_keyinfo *keys = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(scep_keystore_list(ks, &keys, &n, &e), SCEP_OK);
    CU_ASSERT_EQUAL(n, 2 + 2 * EACH);
    int dup = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            dup += keys[i].index == keys[j].index;
    CU_ASSERT_EQUAL(dup, 0);
    CU_ASSERT_EQUAL(scep_ks_read_nextindex(dir), 2 + 2 * EACH);
    free(keys);
    scep_keystore_close(ks);
    tu_rmtree(base);
    free(base);
}

int main(void)
{
    return tu_run_fixture(
        "kstxn",
        (tu_case[]){
            {"pending transactions", test_txn},
            {"orphans, temp files, roll-forward", test_orphans},
            {"duplicate index, corrupt meta", test_duplicate_index},
            {"store shared with another process", test_shared_with_other_process},
            {"two processes store: own indexes and names", test_two_processes_store},
            {NULL, NULL}},
        ksfix_init, ksfix_cleanup);
}
