/*
 * txn.c - the pending transactions of the key store (M12, B2; DESIGN.md
 * section 4) in <dir>/pending/.
 *
 * Pending transaction: <dir>/pending/<name>.key (0600, written first) and
 * <name>.txn ("key value" lines, written last: it commits the transaction).
 * Pending transactions do not count toward the key store capacity.
 *
 * The files of the stored keys (metadata, .nextindex, directory scan,
 * clean-up, roll-forward) live in ksfiles.c.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SFX_KEY     SCEP_KS_KEY
#define PENDING_DIR "pending"
#define SFX_TXN     ".txn"

/* ---- pending transactions -------------------------------------------------- */

enum {
    F_NAME = 1 << 0,
    F_TID = 1 << 1,
    F_TYPE = 1 << 2,
    F_POLLS = 1 << 3,
    F_CREATED = 1 << 4,
    F_USAGE = 1 << 5,
    F_HASH = 1 << 6,
    F_BITS = 1 << 7,
    F_SUBJECT = 1 << 8,
    F_REQUIRED = (1 << 9) - 1
};

static scep_rc pending_path(scep_keystore *ks, const char *name, const char *sfx, char *buf,
                            size_t n, scep_error *e)
{
    scep_rc rc;
    int r;

    if (!ks || !name)
        return scep_error_set(e, SCEP_E_INVALID, "pending: no key store or name");
    rc = scep_check_name(name, strlen(name), e); /* also keeps the path in the dir */
    if (rc)
        return rc;
    r = snprintf(buf, n, "%s/" PENDING_DIR "/%s%s", scep_keystore_dir(ks), name, sfx);
    if (r < 0 || (size_t)r >= n)
        return scep_error_set(e, SCEP_E_IO, "pending transaction path too long");
    return SCEP_OK;
}

/* The .key and .txn paths of a pending transaction (PATH_MAX each). */
static scep_rc pending_paths(scep_keystore *ks, const char *name, char *kpath, char *tpath,
                             scep_error *e)
{
    scep_rc rc = pending_path(ks, name, SFX_KEY, kpath, PATH_MAX, e);

    if (!rc)
        rc = pending_path(ks, name, SFX_TXN, tpath, PATH_MAX, e);
    return rc;
}

static int copy_field(char *dst, size_t size, const char *val)
{
    size_t l = strlen(val);

    if (l >= size)
        return -1;
    memcpy(dst, val, l + 1);
    return 0;
}

static scep_rc txn_save(scep_keystore *ks, const scep_txn *t, EVP_PKEY *key, scep_error *e)
{
    char dir[PATH_MAX], kpath[PATH_MAX], tpath[PATH_MAX], *pem = NULL, *txt = NULL;
    const char *usage, *hash;
    size_t pem_len = 0;
    int r;
    scep_rc rc;

    if (!t || !key)
        return scep_error_set(e, SCEP_E_INVALID, "pending: no transaction or key");
    rc = pending_paths(ks, t->name, kpath, tpath, e);
    if (rc)
        return rc;
    usage = scep_usage_name(t->usage);
    hash = scep_hash_name(t->hash);
    if (!usage || !hash || !t->transaction_id[0] ||
        strcspn(t->transaction_id, " \t") != strlen(t->transaction_id) ||
        !scep_one_line(t->transaction_id, 64) ||
        !scep_one_line(t->ipsec_policy, SCEP_POLICY_MAX) ||
        !scep_one_line(t->subject, sizeof t->subject - 1) ||
        !scep_one_line(t->replace, SCEP_NAME_MAX) ||
        (t->msg_type != SCEP_MSG_PKCSREQ && t->msg_type != SCEP_MSG_RENEWALREQ))
        return scep_error_set(e, SCEP_E_INVALID, "pending: invalid transaction fields");
    snprintf(dir, sizeof dir, "%s/" PENDING_DIR, scep_keystore_dir(ks));
    rc = scep_dir_ensure_private(dir, e);
    if (rc)
        return rc;

    txt = malloc(2048);
    if (!txt)
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    r = snprintf(txt, 2048,
                 "# scep-agentx pending SCEP transaction (the key is %s%s)\n"
                 "name %s\ntransactionId %s\nmsgType %d\npolls %u\ncreated %lld\n"
                 "usage %s\n%s%s%shash %s\nbits %u\nsubject %s\n%s%s%s",
                 t->name, SFX_KEY, t->name, t->transaction_id, t->msg_type, t->polls,
                 (long long)t->created, usage, t->ipsec_policy[0] ? "policy " : "",
                 t->ipsec_policy, t->ipsec_policy[0] ? "\n" : "", hash, t->bits, t->subject,
                 t->replace[0] ? "replace " : "", t->replace, t->replace[0] ? "\n" : "");
    if (r < 0 || r >= 2048) {
        rc = scep_error_set(e, SCEP_E_INTERNAL, "pending: transaction text too long");
        goto out;
    }
    /* the key first, the .txn last: it commits the transaction. A re-save
     * (the poll count) keeps the key already there: rewriting it and then
     * failing on the .txn would lose the key of a live transaction. */
    int resave = access(tpath, F_OK) == 0 && access(kpath, F_OK) == 0;
    if (!resave) {
        rc = scep_key_to_pem(key, &pem, &pem_len, e);
        if (rc)
            goto out;
        rc = scep_write_file_atomic(kpath, pem, pem_len, 0600, e);
        if (rc)
            goto out;
    }
    rc = scep_write_file_atomic(tpath, txt, (size_t)r, 0600, e);
    if (rc && !resave)
        unlink(kpath);
out:
    if (pem)
        OPENSSL_cleanse(pem, pem_len);
    free(pem);
    free(txt);
    return rc;
}

static int txn_parse(char *text, scep_txn *t)
{
    char *cur = text, *key, *val;
    unsigned seen = 0;
    long long v;
    int x;

    while (scep_kv_next(&cur, &key, &val)) {
        if (!strcmp(key, "name")) {
            if (copy_field(t->name, sizeof t->name, val))
                return -1;
            seen |= F_NAME;
        } else if (!strcmp(key, "transactionId")) {
            if (!*val || copy_field(t->transaction_id, sizeof t->transaction_id, val))
                return -1;
            seen |= F_TID;
        } else if (!strcmp(key, "msgType")) {
            if (scep_parse_num(val, 0, 255, &v) ||
                (v != SCEP_MSG_PKCSREQ && v != SCEP_MSG_RENEWALREQ))
                return -1;
            t->msg_type = (int)v;
            seen |= F_TYPE;
        } else if (!strcmp(key, "polls")) {
            if (scep_parse_num(val, 0, UINT_MAX, &v))
                return -1;
            t->polls = (unsigned)v;
            seen |= F_POLLS;
        } else if (!strcmp(key, "created")) {
            if (scep_parse_num(val, 0, LLONG_MAX, &v))
                return -1;
            t->created = (time_t)v;
            seen |= F_CREATED;
        } else if (!strcmp(key, "usage")) {
            if ((x = scep_usage_from_name(val)) < 0)
                return -1;
            t->usage = (scep_usage)x;
            seen |= F_USAGE;
        } else if (!strcmp(key, "policy")) {
            if (copy_field(t->ipsec_policy, sizeof t->ipsec_policy, val))
                return -1;
        } else if (!strcmp(key, "hash")) {
            if ((x = scep_hash_from_name(val)) < 0)
                return -1;
            t->hash = (scep_hash)x;
            seen |= F_HASH;
        } else if (!strcmp(key, "bits")) {
            if (scep_parse_num(val, 1, 65536, &v))
                return -1;
            t->bits = (unsigned)v;
            seen |= F_BITS;
        } else if (!strcmp(key, "subject")) {
            if (copy_field(t->subject, sizeof t->subject, val))
                return -1;
            seen |= F_SUBJECT;
        } else if (!strcmp(key, "replace")) {
            if (copy_field(t->replace, sizeof t->replace, val))
                return -1;
        } /* unknown keys: ignored (newer versions) */
    }
    return (seen & F_REQUIRED) == F_REQUIRED ? 0 : -1;
}

scep_rc scep_txn_load(scep_keystore *ks, const char *name, scep_txn *t, EVP_PKEY **key,
                      scep_error *e)
{
    char kpath[PATH_MAX], tpath[PATH_MAX], *text = NULL;
    size_t len;
    scep_rc rc;

    if (key)
        *key = NULL;
    if (!t)
        return scep_error_set(e, SCEP_E_INVALID, "pending: no transaction");
    memset(t, 0, sizeof *t);
    rc = pending_paths(ks, name, kpath, tpath, e);
    if (rc)
        return rc;
    rc = scep_read_file(tpath, &text, &len, e);
    if (rc == SCEP_E_NOT_FOUND)
        return scep_error_set(e, rc, "no pending transaction for %s", name);
    if (rc)
        return rc;
    if (strlen(text) != len || txn_parse(text, t) || strcmp(t->name, name)) {
        rc = scep_error_set(e, SCEP_E_IO, "corrupt transaction file %s", tpath);
        goto out;
    }
    if (key) {
        scep_error e2;
        scep_error_clear(&e2);
        if (scep_key_load(kpath, key, &e2)) {
            rc = scep_error_set(e, SCEP_E_IO, "corrupt transaction %s: key: %s", name,
                                e2.text);
            goto out;
        }
    }
out:
    free(text);
    if (rc)
        memset(t, 0, sizeof *t);
    return rc;
}

static scep_rc txn_delete(scep_keystore *ks, const char *name, scep_error *e)
{
    char kpath[PATH_MAX], tpath[PATH_MAX], dir[PATH_MAX];
    int had_txn, had_key;
    scep_rc rc;

    rc = pending_paths(ks, name, kpath, tpath, e);
    if (rc)
        return rc;
    /* the .txn first: without it the key is not a transaction any more */
    had_txn = unlink(tpath) == 0;
    if (!had_txn && errno != ENOENT)
        return scep_io_error(e, "unlink", tpath);
    had_key = unlink(kpath) == 0;
    if (!had_key && errno != ENOENT)
        return scep_io_error(e, "unlink", kpath);
    if (!had_txn && !had_key)
        return scep_error_set(e, SCEP_E_NOT_FOUND, "no pending transaction for %s", name);
    snprintf(dir, sizeof dir, "%s/" PENDING_DIR, scep_keystore_dir(ks));
    return scep_fsync_dir(dir, e);
}

int scep_pending_exists(scep_keystore *ks, const char *name)
{
    char tpath[PATH_MAX];
    struct stat st;

    if (pending_path(ks, name, SFX_TXN, tpath, sizeof tpath, NULL))
        return 0;
    return stat(tpath, &st) == 0 && S_ISREG(st.st_mode);
}

scep_rc scep_pending_drop(scep_keystore *ks, const char *name, scep_error *e)
{
    return scep_txn_delete(ks, name, e);
}

scep_rc scep_txn_save(scep_keystore *ks, const scep_txn *t, EVP_PKEY *key, scep_error *e)
{
    int lk = scep_ks_flock(ks, LOCK_SH); /* see KS_LOCK_FILE */
    scep_rc rc = txn_save(ks, t, key, e);
    scep_ks_funlock(lk);
    return rc;
}

scep_rc scep_txn_delete(scep_keystore *ks, const char *name, scep_error *e)
{
    int lk = scep_ks_flock(ks, LOCK_SH);
    scep_rc rc = txn_delete(ks, name, e);
    scep_ks_funlock(lk);
    return rc;
}
