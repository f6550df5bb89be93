/*
 * keystore.c - the key store (T1, A6, X3; DESIGN.md section 4).
 *
 * One directory (0700). Per key:
 *   <name>.key        PEM PKCS#8 private key, 0600
 *   <name>.crt        PEM certificate, 0644
 *   <name>.chain.pem  CA chain (optional), 0644
 *   <name>.meta       "key value" lines (index, usage, policy, bits, created,
 *                     chain), written LAST: its rename is the commit point.
 * A key exists iff its .meta and its .key exist. <dir>/.nextindex keeps the
 * highest index ever issued, so an index is never reused after a delete.
 *
 * Replacing a key in place (A6 with the same name) stages <name>.key.new,
 * .crt.new, .chain.pem.new, then <name>.meta.new (the commit point), then
 * renames them over the old files. Opening the store rolls a committed
 * replacement forward and removes uncommitted staging, orphans (files of a
 * key without .meta: a crash between writes or during a delete) and temp
 * files left by scep_write_file_atomic.
 *
 * The in-memory copy is an array sorted by index plus a name index (binary
 * search). A mutex protects it: the worker thread stores, the main thread
 * lists, gets and deletes. A store writes its files without holding the
 * mutex (the SNMP thread must not wait for fsync); the name is reserved
 * meanwhile, and a reload skips the clean-up while a store is in progress.
 *
 * The on-disk side (metadata format, .nextindex, directory scan, orphan
 * clean-up, roll-forward) lives in ksfiles.c, the pending transactions in
 * txn.c.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define SFX_KEY      SCEP_KS_KEY
#define SFX_CRT      SCEP_KS_CRT
#define SFX_CHAIN    SCEP_KS_CHAIN
#define SFX_META     SCEP_KS_META
#define KS_INDEX_MAX SCEP_KS_INDEX_MAX

static const char *const key_files[] = {SFX_KEY, SFX_CRT, SFX_CHAIN}; /* besides .meta */

/* A store in progress (lives on the storing thread's stack). */
struct resv {
    struct resv *next;
    const char *name;
    int is_new; /* adds a key (counts toward the capacity) */
};

struct scep_keystore {
    pthread_mutex_t lock;
    char *dir;
    unsigned capacity;
    char def[SCEP_NAME_MAX + 1]; /* default key ("" = none) */
    scep_keyinfo *keys;          /* sorted by index */
    size_t *byname;              /* positions in keys, sorted by name */
    size_t n, alloc;
    uint32_t last_index; /* highest index ever issued */
    struct resv *resv;
    unsigned nresv_new;
};

static void ks_lock(const scep_keystore *ks)
{
    pthread_mutex_lock((pthread_mutex_t *)&ks->lock);
}

static void ks_unlock(const scep_keystore *ks)
{
    pthread_mutex_unlock((pthread_mutex_t *)&ks->lock);
}

static int ks_path(const scep_keystore *ks, const char *name, const char *sfx,
                   const char *sfx2, char *buf, size_t n)
{
    return scep_ks_file(ks->dir, name, sfx, sfx2, buf, n);
}

/* ---- in-memory table ---------------------------------------------------- */

static int cmp_byname(const void *a, const void *b, void *arg)
{
    const scep_keyinfo *keys = arg;

    return strcmp(keys[*(const size_t *)a].name, keys[*(const size_t *)b].name);
}

static void rebuild_byname(scep_keystore *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        ks->byname[i] = i;
    if (ks->n > 1)
        qsort_r(ks->byname, ks->n, sizeof *ks->byname, cmp_byname, ks->keys);
}

static scep_keyinfo *find(const scep_keystore *ks, const char *name)
{
    size_t lo = 0, hi = ks->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        scep_keyinfo *k = &ks->keys[ks->byname[mid]];
        int c = strcmp(name, k->name);

        if (!c)
            return k;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int grow(scep_keystore *ks, size_t need)
{
    size_t na;
    scep_keyinfo *nk;
    size_t *nb;

    if (need <= ks->alloc)
        return 0;
    na = ks->alloc ? ks->alloc * 2 : 16;
    if (na < need)
        na = need;
    nk = realloc(ks->keys, na * sizeof *nk);
    if (!nk)
        return -1;
    ks->keys = nk;
    nb = realloc(ks->byname, na * sizeof *nb);
    if (!nb)
        return -1;
    ks->byname = nb;
    ks->alloc = na;
    return 0;
}

/* Insert k (a name not in the table) at its index position. */
static int insert(scep_keystore *ks, const scep_keyinfo *k)
{
    size_t lo = 0, hi = ks->n;

    if (grow(ks, ks->n + 1))
        return -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ks->keys[mid].index <= k->index)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&ks->keys[lo + 1], &ks->keys[lo], (ks->n - lo) * sizeof *ks->keys);
    ks->keys[lo] = *k;
    ks->n++;
    rebuild_byname(ks);
    return 0;
}

static void remove_entry(scep_keystore *ks, scep_keyinfo *k)
{
    size_t pos = (size_t)(k - ks->keys);

    memmove(&ks->keys[pos], &ks->keys[pos + 1], (ks->n - pos - 1) * sizeof *ks->keys);
    ks->n--;
    rebuild_byname(ks);
}

static int is_default(const scep_keystore *ks, const char *name)
{
    return ks->def[0] && !strcmp(ks->def, name);
}

static struct resv *reserved(const scep_keystore *ks, const char *name)
{
    for (struct resv *r = ks->resv; r; r = r->next)
        if (!strcmp(r->name, name))
            return r;
    return NULL;
}

static uint32_t max_index(const scep_keystore *ks)
{
    return ks->n ? ks->keys[ks->n - 1].index : 0;
}

/* Re-read the directory into the table (lock held). */
static scep_rc scan(scep_keystore *ks, int cleanup, scep_error *e)
{
    scep_keyinfo *keys = NULL;
    size_t n = 0, *byname;
    uint32_t last = ks->last_index;
    scep_rc rc;

    /* Orphans are removed only while no other process writes here: one
     * whose store is half-done holds the lock shared (sceptool --store). */
    int lk = cleanup ? scep_ks_flock(ks, LOCK_EX | LOCK_NB) : -1;
    if (cleanup && lk < 0)
        scep_log(SCEP_LOG_DEBUG, "key store: in use by another process, no clean-up now");
    rc = scep_ks_scan(ks->dir, cleanup && lk >= 0, &last, &keys, &n, e);
    scep_ks_funlock(lk);
    if (rc)
        return rc;
    byname = malloc((n ? n : 1) * sizeof *byname);
    if (!byname) {
        free(keys);
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    }
    free(ks->keys);
    free(ks->byname);
    ks->keys = keys;
    ks->byname = byname;
    ks->n = ks->alloc = n;
    ks->last_index = last;
    rebuild_byname(ks);
    return SCEP_OK;
}

/* ---- public API ----------------------------------------------------------- */

scep_rc scep_keystore_open(const char *dir, unsigned capacity, scep_keystore **out,
                           scep_error *e)
{
    scep_keystore *ks;
    scep_rc rc;

    if (!out)
        return scep_error_set(e, SCEP_E_INVALID, "key store: no result pointer");
    *out = NULL;
    if (!dir || !*dir || strlen(dir) > PATH_MAX - 64)
        return scep_error_set(e, SCEP_E_INVALID, "key store: no or too long directory");
    rc = scep_dir_ensure_private(dir, e);
    if (rc)
        return rc;
    ks = calloc(1, sizeof *ks);
    if (!ks || !(ks->dir = strdup(dir))) {
        free(ks);
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    }
    ks->capacity = capacity;
    if (pthread_mutex_init(&ks->lock, NULL) != 0) {
        free(ks->dir);
        free(ks);
        return scep_error_set(e, SCEP_E_INTERNAL, "key store: mutex init failed");
    }
    rc = scan(ks, 1, e);
    if (rc) {
        scep_keystore_close(ks);
        return rc;
    }
    *out = ks;
    return SCEP_OK;
}

void scep_keystore_close(scep_keystore *ks)
{
    if (!ks)
        return;
    pthread_mutex_destroy(&ks->lock);
    free(ks->keys);
    free(ks->byname);
    free(ks->dir);
    free(ks);
}

const char *scep_keystore_dir(const scep_keystore *ks)
{
    return ks->dir;
}

void scep_keystore_set_capacity(scep_keystore *ks, unsigned capacity)
{
    ks_lock(ks);
    ks->capacity = capacity;
    ks_unlock(ks);
}

unsigned scep_keystore_capacity(const scep_keystore *ks)
{
    unsigned c;

    ks_lock(ks);
    c = ks->capacity;
    ks_unlock(ks);
    return c;
}

unsigned scep_keystore_count(scep_keystore *ks)
{
    unsigned n;

    ks_lock(ks);
    n = (unsigned)ks->n;
    ks_unlock(ks);
    return n;
}

scep_rc scep_keystore_reload(scep_keystore *ks, scep_error *e)
{
    scep_rc rc;

    ks_lock(ks);
    /* no clean-up while a store writes its files: they are not orphans */
    rc = scan(ks, ks->resv == NULL, e);
    ks_unlock(ks);
    return rc;
}

void scep_keystore_set_default(scep_keystore *ks, const char *name)
{
    ks_lock(ks);
    snprintf(ks->def, sizeof ks->def, "%s", name ? name : "");
    ks_unlock(ks);
}

int scep_keystore_exists(scep_keystore *ks, const char *name)
{
    int r;

    if (!name)
        return 0;
    ks_lock(ks);
    r = find(ks, name) != NULL;
    ks_unlock(ks);
    return r;
}

static scep_rc full_error(const scep_keystore *ks, scep_error *e)
{
    return scep_error_set(e, SCEP_E_KEYSTORE_FULL, "key store full (%u of %u)",
                          (unsigned)ks->n + ks->nresv_new, ks->capacity);
}

scep_rc scep_keystore_check_room(scep_keystore *ks, scep_error *e)
{
    scep_rc rc = SCEP_OK;

    ks_lock(ks);
    if (ks->n + ks->nresv_new >= ks->capacity)
        rc = full_error(ks, e);
    ks_unlock(ks);
    return rc;
}

scep_rc scep_keystore_list(scep_keystore *ks, scep_keyinfo **out, size_t *n, scep_error *e)
{
    scep_rc rc = SCEP_OK;

    *out = NULL;
    *n = 0;
    ks_lock(ks);
    if (ks->n) {
        *out = malloc(ks->n * sizeof **out);
        if (*out) {
            memcpy(*out, ks->keys, ks->n * sizeof **out);
            *n = ks->n;
        } else {
            rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        }
    }
    ks_unlock(ks);
    return rc;
}

scep_rc scep_keystore_get(scep_keystore *ks, const char *name, scep_keyinfo *out,
                          scep_error *e)
{
    const scep_keyinfo *k;
    scep_rc rc = SCEP_OK;

    if (!name)
        return scep_error_set(e, SCEP_E_INVALID, "no key name");
    ks_lock(ks);
    k = find(ks, name);
    if (k)
        *out = *k;
    else
        rc = scep_error_set(e, SCEP_E_NOT_FOUND, "no key %s in the key store", name);
    ks_unlock(ks);
    return rc;
}

static scep_rc delete_files(scep_keystore *ks, const char *name, scep_error *e)
{
    char path[PATH_MAX];
    scep_keyinfo *k;
    scep_rc rc = SCEP_OK;

    if (!name)
        return scep_error_set(e, SCEP_E_INVALID, "no key name");
    ks_lock(ks);
    k = find(ks, name);
    if (!k) {
        rc = scep_error_set(e, SCEP_E_NOT_FOUND, "no key %s in the key store", name);
        goto out;
    }
    if (is_default(ks, name)) {
        rc = scep_error_set(e, SCEP_E_DEFAULT_KEY, "%s is the default key", name);
        goto out;
    }
    if (reserved(ks, name)) {
        rc = scep_error_set(e, SCEP_E_BUSY, "key %s is being replaced", name);
        goto out;
    }
    /* uncommit first: without its .meta the rest is an orphan */
    ks_path(ks, name, SFX_META, NULL, path, sizeof path);
    if (scep_unlink_quiet(path)) {
        rc = scep_io_error(e, "unlink", path);
        goto out;
    }
    remove_entry(ks, k);
    ks_unlock(ks);
    /* Outside the lock (the worker may be storing): the rest of the files and
     * one directory sync. A crash before it leaves a .key without .meta, which
     * the next open removes as an orphan. */
    for (size_t i = 0; i < sizeof key_files / sizeof key_files[0]; i++) {
        ks_path(ks, name, key_files[i], NULL, path, sizeof path);
        if (scep_unlink_quiet(path))
            scep_log(SCEP_LOG_WARNING, "key store: cannot remove %s: %s", path,
                     strerror(errno));
    }
    if (scep_fsync_dir(ks->dir, NULL))
        scep_log(SCEP_LOG_WARNING, "key store: cannot sync %s", ks->dir);
    return rc;
out:
    ks_unlock(ks);
    return rc;
}

void scep_keystore_key_path(const scep_keystore *ks, const char *name, char *buf, size_t n)
{
    ks_path(ks, name, SFX_KEY, NULL, buf, n);
}

void scep_keystore_cert_path(const scep_keystore *ks, const char *name, char *buf, size_t n)
{
    ks_path(ks, name, SFX_CRT, NULL, buf, n);
}

void scep_keystore_chain_path(const scep_keystore *ks, const char *name, char *buf,
                              size_t n)
{
    ks_path(ks, name, SFX_CHAIN, NULL, buf, n);
}

scep_rc scep_keystore_load(scep_keystore *ks, const char *name, EVP_PKEY **key, X509 **cert,
                           scep_error *e)
{
    char path[PATH_MAX];
    scep_rc rc;

    if (key)
        *key = NULL;
    if (cert)
        *cert = NULL;
    if (!scep_keystore_exists(ks, name))
        return scep_error_set(e, SCEP_E_NOT_FOUND, "no key %s in the key store",
                              name ? name : "");
    if (key) {
        ks_path(ks, name, SFX_KEY, NULL, path, sizeof path);
        rc = scep_key_load(path, key, e);
        if (rc)
            return rc;
    }
    if (cert) {
        ks_path(ks, name, SFX_CRT, NULL, path, sizeof path);
        rc = scep_cert_read_file(path, cert, e);
        if (rc) {
            if (key) {
                EVP_PKEY_free(*key);
                *key = NULL;
            }
            return rc;
        }
    }
    return SCEP_OK;
}

int scep_keystore_find_usage(scep_keystore *ks, scep_usage usage, char *name, size_t n)
{
    const scep_keyinfo *best = NULL;

    if (n)
        name[0] = '\0';
    ks_lock(ks);
    for (size_t i = 0; i < ks->n; i++) {
        const scep_keyinfo *k = &ks->keys[i];
        if (k->usage != usage || is_default(ks, k->name))
            continue;
        if (!best || k->created >= best->created) /* ties: the higher index */
            best = k;
    }
    if (best && n)
        snprintf(name, n, "%s", best->name);
    ks_unlock(ks);
    return best != NULL;
}

/* ---- store ------------------------------------------------------------------ */

static scep_rc chain_to_pem(STACK_OF(X509) *chain, char **pem, size_t *len, scep_error *e)
{
    size_t used = 0;
    scep_rc rc;

    *pem = NULL;
    *len = 0;
    for (int i = 0; chain && i < sk_X509_num(chain); i++) {
        char *one, *np;
        size_t l;
        rc = scep_cert_to_pem(sk_X509_value(chain, i), &one, &l, e);
        if (rc)
            goto fail;
        np = realloc(*pem, used + l + 1);
        if (!np) {
            free(one);
            rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
            goto fail;
        }
        *pem = np;
        memcpy(np + used, one, l + 1);
        used += l;
        free(one);
    }
    *len = used;
    return SCEP_OK;
fail:
    free(*pem);
    *pem = NULL;
    return rc;
}

/* What other processes did (read under the store lock, before the mutex):
 * the highest index they issued, and whether the name is on disk. */
struct disk_view {
    uint32_t last_index;
    int name_on_disk;
};

/* Under the lock: check name/replace/capacity, pick the index, reserve. */
static scep_rc reserve(scep_keystore *ks, struct resv *r, const char *replace,
                       const struct disk_view *dv, uint32_t *index, int *in_place,
                       int *replacing, scep_error *e)
{
    const scep_keyinfo *cur;

    if (reserved(ks, r->name) || (replace && reserved(ks, replace)))
        return scep_error_set(e, SCEP_E_BUSY, "key %s is being stored", r->name);
    cur = find(ks, r->name);
    *in_place = *replacing = 0;
    if (replace && !strcmp(replace, r->name)) {
        if (is_default(ks, r->name))
            return scep_error_set(e, SCEP_E_DEFAULT_KEY,
                                  "%s is the default key: never replaced", r->name);
        if (cur) {
            *in_place = 1;
            *index = cur->index;
        }
    } else {
        if (cur)
            return scep_error_set(e, SCEP_E_EXISTS, "key %s exists in the key store",
                                  r->name);
        if (dv->name_on_disk)
            return scep_error_set(e, SCEP_E_EXISTS,
                                  "key %s was stored by another process (reload the store)",
                                  r->name);
        if (replace && is_default(ks, replace))
            return scep_error_set(e, SCEP_E_DEFAULT_KEY,
                                  "%s is the default key: never replaced", replace);
        *replacing = replace && find(ks, replace);
    }
    if (!*in_place) {
        /* replacing: the count comes back once the old key is deleted */
        if (!*replacing && ks->n + ks->nresv_new >= ks->capacity)
            return full_error(ks, e);
        if (ks->last_index < max_index(ks))
            ks->last_index = max_index(ks);
        if (ks->last_index < dv->last_index) /* another process stored meanwhile */
            ks->last_index = dv->last_index;
        if (ks->last_index >= KS_INDEX_MAX)
            return scep_error_set(e, SCEP_E_IO, "key store: index space exhausted");
        *index = ++ks->last_index;
        r->is_new = 1;
        ks->nresv_new++;
    }
    r->next = ks->resv;
    ks->resv = r;
    return SCEP_OK;
}

static void unreserve(scep_keystore *ks, struct resv *r)
{
    for (struct resv **p = &ks->resv; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    if (r->is_new)
        ks->nresv_new--;
}

/* Remove the files of name (suffix2 ".new": the staged ones), .meta first. */
static void remove_files(const scep_keystore *ks, const char *name, const char *sfx2)
{
    char path[PATH_MAX];

    ks_path(ks, name, SFX_META, sfx2, path, sizeof path);
    scep_unlink_quiet(path);
    for (size_t i = 0; i < sizeof key_files / sizeof key_files[0]; i++) {
        ks_path(ks, name, key_files[i], sfx2, path, sizeof path);
        scep_unlink_quiet(path);
    }
    scep_fsync_dir(ks->dir, NULL);
}

typedef struct blob {
    const char *sfx;
    const char *data;
    size_t len;
    unsigned mode;
} blob;

/* Write the key's files with suffix2 (NULL or ".new"), the metadata last. */
static scep_rc write_files(const scep_keystore *ks, const char *name, const char *sfx2,
                           const blob *b, size_t nb, scep_error *e)
{
    char path[PATH_MAX];
    scep_rc rc;

    for (size_t i = 0; i < nb; i++) {
        if (!b[i].data)
            continue;
        if (ks_path(ks, name, b[i].sfx, sfx2, path, sizeof path))
            return scep_error_set(e, SCEP_E_IO, "key store path too long");
        rc = scep_write_file_atomic(path, b[i].data, b[i].len, b[i].mode, e);
        if (rc)
            return rc;
    }
    return SCEP_OK;
}

static scep_rc store_files(scep_keystore *ks, const char *name, EVP_PKEY *key, X509 *cert,
                           STACK_OF(X509) *chain, scep_usage usage, const char *policy,
                           const char *replace, scep_keyinfo *out, scep_error *e)
{
    char *key_pem = NULL, *crt_pem = NULL, *chain_pem = NULL, meta[1024];
    size_t key_len = 0, crt_len = 0, chain_len = 0;
    struct resv r = {NULL, name, 0};
    int in_place = 0, replacing = 0, reserved_ = 0, mlen;
    scep_keyinfo k, *cur;
    scep_rc rc;

    if (!ks || !name || !key || !cert)
        return scep_error_set(e, SCEP_E_INVALID, "key store: no name, key or certificate");
    rc = scep_check_name(name, strlen(name), e);
    if (rc)
        return rc;
    if (usage < SCEP_USAGE_NONE || usage > SCEP_USAGE_DOT1X ||
        (policy && !scep_one_line(policy, SCEP_POLICY_MAX)))
        return scep_error_set(e, SCEP_E_INVALID, "key store: invalid usage or policy");
    if (replace && !*replace)
        replace = NULL;

    memset(&k, 0, sizeof k);
    scep_cert_fill_info(cert, &k);
    snprintf(k.name, sizeof k.name, "%s", name);
    snprintf(k.ipsec_policy, sizeof k.ipsec_policy, "%s", policy ? policy : "");
    k.usage = usage;
    k.bits = (unsigned)EVP_PKEY_get_bits(key);
    k.created = scep_now();
    rc = scep_key_to_pem(key, &key_pem, &key_len, e);
    if (!rc)
        rc = scep_cert_to_pem(cert, &crt_pem, &crt_len, e);
    if (!rc)
        rc = chain_to_pem(chain, &chain_pem, &chain_len, e);
    if (rc)
        goto out;

    struct disk_view dv = {scep_ks_read_nextindex(ks->dir), 0};
    {
        char path[PATH_MAX];
        dv.name_on_disk = ks_path(ks, name, SFX_META, NULL, path, sizeof path) == 0 &&
                          access(path, F_OK) == 0;
    }
    ks_lock(ks);
    rc = reserve(ks, &r, replace, &dv, &k.index, &in_place, &replacing, e);
    ks_unlock(ks);
    if (rc)
        goto out;
    reserved_ = 1;

    mlen = scep_ks_meta_format(&k, chain_pem != NULL, meta, sizeof meta);
    if (mlen < 0) {
        rc = scep_error_set(e, SCEP_E_INTERNAL, "key store: metadata too long");
        goto out;
    }
    {
        const blob b[] = {
            {SFX_KEY, key_pem, key_len, 0600},
            {SFX_CRT, crt_pem, crt_len, 0644},
            {SFX_CHAIN, chain_pem, chain_len, 0644},
            {SFX_META, meta, (size_t)mlen, 0644}, /* last: the commit point */
        };
        if (in_place) {
            /* stage, commit with <name>.meta.new, roll forward */
            rc = write_files(ks, name, ".new", b, 4, e);
            if (rc) {
                remove_files(ks, name, ".new");
                goto out;
            }
            rc = scep_ks_roll_forward(ks->dir, name, e);
            if (rc) /* committed: the next open completes it */
                goto out;
        } else {
            rc = scep_ks_write_nextindex(ks->dir, k.index, e);
            if (!rc)
                rc = write_files(ks, name, NULL, b, 4, e);
            if (rc) {
                remove_files(ks, name, NULL);
                goto out;
            }
        }
    }

    ks_lock(ks);
    unreserve(ks, &r);
    reserved_ = 0;
    cur = find(ks, name); /* present if replaced in place (or a reload saw it) */
    if (cur) {
        *cur = k;
    } else if (insert(ks, &k)) {
        ks_unlock(ks);
        remove_files(ks, name, NULL);
        rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
        goto out;
    }
    ks_unlock(ks);
    if (in_place)
        scep_log(SCEP_LOG_INFO, "key store: replaced %s (index %u)", name,
                 (unsigned)k.index);
    else
        scep_log(SCEP_LOG_INFO, "key store: stored %s (index %u)", name, (unsigned)k.index);

    if (replacing) {
        scep_error e2;
        scep_error_clear(&e2);
        if (scep_keystore_delete(ks, replace, &e2))
            scep_log(SCEP_LOG_WARNING, "key store: %s stored but %s not removed: %s", name,
                     replace, e2.text);
        else
            scep_log(SCEP_LOG_INFO, "key store: %s replaced by %s", replace, name);
    }
    if (out)
        *out = k;
out:
    if (reserved_) {
        ks_lock(ks);
        unreserve(ks, &r);
        ks_unlock(ks);
    }
    if (key_pem)
        OPENSSL_cleanse(key_pem, key_len);
    free(key_pem);
    free(crt_pem);
    free(chain_pem);
    return rc;
}

scep_rc scep_keystore_store(scep_keystore *ks, const char *name, EVP_PKEY *key, X509 *cert,
                            STACK_OF(X509) *chain, scep_usage usage, const char *policy,
                            const char *replace, scep_keyinfo *out, scep_error *e)
{
    int lk = scep_ks_flock(ks, LOCK_SH); /* half-written files: no clean-up meanwhile */
    int slk = scep_ks_store_flock(ks);   /* one store at a time */
    scep_rc rc = store_files(ks, name, key, cert, chain, usage, policy, replace, out, e);
    scep_ks_funlock(slk);
    scep_ks_funlock(lk);
    return rc;
}

scep_rc scep_keystore_delete(scep_keystore *ks, const char *name, scep_error *e)
{
    int lk = scep_ks_flock(ks, LOCK_SH);
    scep_rc rc = delete_files(ks, name, e);
    scep_ks_funlock(lk);
    return rc;
}
