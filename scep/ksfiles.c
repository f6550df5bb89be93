/*
 * ksfiles.c - the files of the key store directory (DESIGN.md section 4):
 * the metadata format, .nextindex, the directory scan with orphan clean-up
 * and the roll-forward of a committed in-place replacement after a crash.
 *
 * keystore.c keeps the in-memory table, the lock and the store/delete
 * protocol; txn.c keeps the pending transactions. Everything here works on a
 * directory path only.
 */
#include "config.h"

#include "scep-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SFX_KEY        SCEP_KS_KEY
#define SFX_CRT        SCEP_KS_CRT
#define SFX_CHAIN      SCEP_KS_CHAIN
#define SFX_META       SCEP_KS_META
#define NEXTINDEX_FILE SCEP_KS_NEXTINDEX
#define KS_INDEX_MAX   SCEP_KS_INDEX_MAX

static const char *const key_files[] = {SFX_KEY, SFX_CRT, SFX_CHAIN}; /* besides .meta */

scep_rc scep_io_error(scep_error *e, const char *op, const char *path)
{
    return scep_error_set(e, SCEP_E_IO, "%s %s: %s", op, path, strerror(errno));
}

int scep_unlink_quiet(const char *path)
{
    return (unlink(path) == 0 || errno == ENOENT) ? 0 : -1;
}

int scep_ks_file(const char *dir, const char *name, const char *sfx, const char *sfx2,
                 char *buf, size_t n)
{
    int r = snprintf(buf, n, "%s/%s%s%s", dir, name, sfx, sfx2 ? sfx2 : "");

    if (r < 0 || (size_t)r >= n) {
        if (n)
            buf[0] = '\0';
        return -1;
    }
    return 0;
}

static int cmp_index(const void *a, const void *b)
{
    uint32_t x = ((const scep_keyinfo *)a)->index, y = ((const scep_keyinfo *)b)->index;

    return x < y ? -1 : x > y;
}

scep_rc scep_dir_ensure_private(const char *dir, scep_error *e)
{
    struct stat st;

    if (!dir || !*dir)
        return scep_error_set(e, SCEP_E_INVALID, "no directory given");
    if (mkdir(dir, 0700) == 0) {
        if (chmod(dir, 0700) != 0) /* whatever the umask did */
            return scep_io_error(e, "chmod", dir);
        return SCEP_OK;
    }
    if (errno != EEXIST)
        return scep_io_error(e, "mkdir", dir);
    if (stat(dir, &st) != 0)
        return scep_io_error(e, "stat", dir);
    if (!S_ISDIR(st.st_mode))
        return scep_error_set(e, SCEP_E_IO, "%s: not a directory", dir);
    if ((st.st_mode & 07777) != 0700) {
        if (chmod(dir, 0700) != 0)
            return scep_io_error(e, "chmod", dir);
        scep_log(SCEP_LOG_WARNING, "directory %s had mode %04o, changed to 0700", dir,
                 (unsigned)(st.st_mode & 07777));
    }
    return SCEP_OK;
}

int scep_kv_next(char **cur, char **key, char **val)
{
    while (*cur && **cur) {
        char *line = *cur, *nl = strchr(line, '\n'), *k, *v;
        size_t l;

        if (nl) {
            *nl = '\0';
            *cur = nl + 1;
        } else {
            *cur = line + strlen(line);
        }
        l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        k = line + strspn(line, " \t");
        if (!*k || *k == '#')
            continue;
        v = k + strcspn(k, " \t");
        if (*v) {
            *v++ = '\0';
            v += strspn(v, " \t");
        }
        *key = k;
        *val = v;
        return 1;
    }
    return 0;
}

int scep_one_line(const char *s, size_t max)
{
    if (strlen(s) > max)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

int scep_parse_num(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;

    if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* ---- metadata ----------------------------------------------------------- */

int scep_ks_meta_format(const scep_keyinfo *k, int has_chain, char *buf, size_t n)
{
    const char *u = scep_usage_name(k->usage);
    int r;

    r = snprintf(buf, n,
                 "# scep-agentx key store entry (the key exists iff this file exists)\n"
                 "index %u\nusage %s\n%s%s%sbits %u\ncreated %lld\nchain %d\n",
                 (unsigned)k->index, u ? u : "none", k->ipsec_policy[0] ? "policy " : "",
                 k->ipsec_policy, k->ipsec_policy[0] ? "\n" : "", k->bits,
                 (long long)k->created, has_chain ? 1 : 0);
    return (r < 0 || (size_t)r >= n) ? -1 : r;
}

/* Parse a .meta text (modified in place) into k; 0 or -1 (corrupt). */
static int meta_parse(char *text, scep_keyinfo *k, int *has_chain)
{
    char *cur = text, *key, *val;
    long long v;
    int have_index = 0;

    *has_chain = 0;
    k->usage = SCEP_USAGE_NONE;
    while (scep_kv_next(&cur, &key, &val)) {
        if (!strcmp(key, "index")) {
            if (scep_parse_num(val, 1, KS_INDEX_MAX, &v))
                return -1;
            k->index = (uint32_t)v;
            have_index = 1;
        } else if (!strcmp(key, "usage")) {
            int u = scep_usage_from_name(val);
            if (u < 0)
                return -1;
            k->usage = (scep_usage)u;
        } else if (!strcmp(key, "policy")) {
            if (strlen(val) > SCEP_POLICY_MAX)
                return -1;
            strcpy(k->ipsec_policy, val);
        } else if (!strcmp(key, "bits")) {
            if (scep_parse_num(val, 0, 65536, &v))
                return -1;
            k->bits = (unsigned)v;
        } else if (!strcmp(key, "created")) {
            if (scep_parse_num(val, 0, LLONG_MAX, &v))
                return -1;
            k->created = (time_t)v;
        } else if (!strcmp(key, "chain")) {
            if (scep_parse_num(val, 0, 1, &v))
                return -1;
            *has_chain = (int)v;
        } /* unknown keys: ignored (newer versions) */
    }
    return have_index ? 0 : -1;
}

static int read_meta(const char *path, scep_keyinfo *k, int *has_chain)
{
    char *text = NULL;
    size_t len;
    int r;

    if (scep_read_file(path, &text, &len, NULL))
        return -1;
    r = meta_parse(text, k, has_chain);
    free(text);
    return r;
}

uint32_t scep_ks_read_nextindex(const char *dir)
{
    char path[PATH_MAX], *text = NULL, *cur, *key, *val;
    long long v;
    uint32_t last = 0;
    size_t len;

    if (scep_ks_file(dir, NEXTINDEX_FILE, "", NULL, path, sizeof path))
        return 0;
    if (scep_read_file(path, &text, &len, NULL))
        return 0;
    cur = text;
    while (scep_kv_next(&cur, &key, &val))
        if (!strcmp(key, "lastIndex") && !scep_parse_num(val, 0, KS_INDEX_MAX, &v))
            last = (uint32_t)v;
    free(text);
    return last;
}

scep_rc scep_ks_write_nextindex(const char *dir, uint32_t last, scep_error *e)
{
    char path[PATH_MAX], buf[96];
    int r;

    if (scep_ks_file(dir, NEXTINDEX_FILE, "", NULL, path, sizeof path))
        return scep_error_set(e, SCEP_E_IO, "key store path too long");
    r = snprintf(buf, sizeof buf, "# highest key index ever issued\nlastIndex %u\n",
                 (unsigned)last);
    return scep_write_file_atomic(path, buf, (size_t)r, 0644, e);
}

/* ---- directory scan ------------------------------------------------------ */

typedef struct strvec {
    char **v;
    size_t n, alloc;
} strvec;

static void strvec_free(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int strvec_has(const strvec *sv, const char *s)
{
    return sv->n && bsearch(&s, sv->v, sv->n, sizeof *sv->v, cmp_str) != NULL;
}

/* Sorted names of the entries of dir that are not directories. */
static scep_rc list_dir(const char *dir, strvec *sv, scep_error *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    scep_rc rc = SCEP_OK;

    memset(sv, 0, sizeof *sv);
    if (!d)
        return scep_io_error(e, "open directory", dir);
    while ((errno = 0, de = readdir(d)) != NULL) {
        if (de->d_type == DT_DIR)
            continue;
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISDIR(st.st_mode))
                continue;
        }
        if (sv->n == sv->alloc) {
            size_t na = sv->alloc ? sv->alloc * 2 : 64;
            char **nv = realloc(sv->v, na * sizeof *nv);
            if (!nv) {
                rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
                goto out;
            }
            sv->v = nv;
            sv->alloc = na;
        }
        if (!(sv->v[sv->n] = strdup(de->d_name))) {
            rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
            goto out;
        }
        sv->n++;
    }
    if (errno)
        rc = scep_io_error(e, "read directory", dir);
out:
    closedir(d);
    if (rc)
        strvec_free(sv);
    else if (sv->n)
        qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
    return rc;
}

enum kind { K_OTHER, K_META, K_KEYFILE, K_META_NEW, K_STAGED, K_TEMP };

static enum kind classify(const char *fn, size_t *baselen)
{
    static const struct {
        const char *sfx;
        enum kind k;
    } tab[] = {
        {".chain.pem.new", K_STAGED}, {".key.new", K_STAGED},    {".crt.new", K_STAGED},
        {".meta.new", K_META_NEW},    {".chain.pem", K_KEYFILE}, {".meta", K_META},
        {".key", K_KEYFILE},          {".crt", K_KEYFILE},
    };
    size_t l = strlen(fn);

    /* key names never start with a dot: .nextindex and its temp files */
    if (fn[0] != '.') {
        for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
            size_t sl = strlen(tab[i].sfx);
            if (l > sl && !strcmp(fn + l - sl, tab[i].sfx)) {
                *baselen = l - sl;
                return tab[i].k;
            }
        }
    }
    /* scep_write_file_atomic's "<path>.tmpXXXXXX" */
    return strstr(fn, ".tmp") ? K_TEMP : K_OTHER;
}

/* A committed in-place replacement (<name>.meta.new): move the staged files
 * over the old ones, then the metadata. */
scep_rc scep_ks_roll_forward(const char *dir, const char *name, scep_error *e)
{
    char from[PATH_MAX], to[PATH_MAX];
    scep_keyinfo k;
    int has_chain;

    memset(&k, 0, sizeof k);
    if (scep_ks_file(dir, name, SFX_META, ".new", from, sizeof from) ||
        scep_ks_file(dir, name, SFX_META, NULL, to, sizeof to))
        return scep_error_set(e, SCEP_E_IO, "key store path too long");
    if (read_meta(from, &k, &has_chain)) {
        /* not a valid commit: drop it, the staged files become orphans */
        scep_rc rc = scep_error_set(e, SCEP_E_IO, "corrupt staged metadata %s", from);
        unlink(from);
        return rc;
    }
    for (size_t i = 0; i < sizeof key_files / sizeof key_files[0]; i++) {
        scep_ks_file(dir, name, key_files[i], ".new", from, sizeof from);
        scep_ks_file(dir, name, key_files[i], NULL, to, sizeof to);
        if (rename(from, to) != 0 && errno != ENOENT)
            return scep_io_error(e, "rename", from);
    }
    if (!has_chain) {
        scep_ks_file(dir, name, SFX_CHAIN, NULL, to, sizeof to);
        if (scep_unlink_quiet(to))
            return scep_io_error(e, "unlink", to);
    }
    scep_ks_file(dir, name, SFX_META, ".new", from, sizeof from);
    scep_ks_file(dir, name, SFX_META, NULL, to, sizeof to);
    if (rename(from, to) != 0)
        return scep_io_error(e, "rename", from);
    return scep_fsync_dir(dir, e);
}

static void remove_file(const char *dir, const char *fn, const char *why)
{
    char path[PATH_MAX];

    if (scep_ks_file(dir, fn, "", NULL, path, sizeof path))
        return;
    if (unlink(path) == 0)
        scep_log(SCEP_LOG_NOTICE, "key store: removed %s (%s)", path, why);
    else if (errno != ENOENT)
        scep_log(SCEP_LOG_WARNING, "key store: cannot remove %s: %s", path,
                 strerror(errno));
}

/* Load the row of key `name` (its .meta exists); 1 = loaded, 0 = skipped. */
static int load_entry(const char *dir, const strvec *ents, const char *name, int cleanup,
                      scep_keyinfo *k, int *has_chain)
{
    char fn[PATH_MAX], path[PATH_MAX];
    X509 *x = NULL;

    memset(k, 0, sizeof *k);
    if (scep_check_name(name, strlen(name), NULL)) {
        scep_log(SCEP_LOG_WARNING, "key store: ignoring %s%s: invalid key name", name,
                 SFX_META);
        return 0;
    }
    snprintf(fn, sizeof fn, "%s%s", name, SFX_KEY);
    if (!strvec_has(ents, fn)) {
        /* metadata without a private key: not a key; drop its remains */
        if (cleanup) {
            snprintf(fn, sizeof fn, "%s%s", name, SFX_META);
            remove_file(dir, fn, "key file missing");
            for (size_t i = 1; i < sizeof key_files / sizeof key_files[0]; i++) {
                snprintf(fn, sizeof fn, "%s%s", name, key_files[i]);
                remove_file(dir, fn, "key file missing");
            }
        }
        return 0;
    }
    scep_ks_file(dir, name, SFX_META, NULL, path, sizeof path);
    if (read_meta(path, k, has_chain)) {
        scep_log(SCEP_LOG_WARNING, "key store: ignoring %s: corrupt metadata", path);
        return 0;
    }
    strcpy(k->name, name);
    scep_ks_file(dir, name, SFX_CRT, NULL, path, sizeof path);
    snprintf(fn, sizeof fn, "%s%s", name, SFX_CRT);
    if (strvec_has(ents, fn)) {
        if (scep_cert_read_file(path, &x, NULL) == SCEP_OK) {
            EVP_PKEY *pub = X509_get0_pubkey(x);
            scep_cert_fill_info(x, k);
            if (pub) /* the certified key is the stored key */
                k->bits = (unsigned)EVP_PKEY_get_bits(pub);
            X509_free(x);
        } else {
            scep_log(SCEP_LOG_WARNING, "key store: unreadable certificate %s", path);
        }
        ERR_clear_error();
    }
    return 1;
}

scep_rc scep_ks_scan(const char *dir, int cleanup, uint32_t *lastp, scep_keyinfo **out,
                     size_t *nout, scep_error *e)
{
    strvec ents;
    scep_keyinfo *keys = NULL, *nk;
    size_t n = 0, alloc = 0;
    uint32_t last;
    int removed = 0, resort = 0;
    char name[SCEP_NAME_MAX + 1], fn[PATH_MAX];
    scep_rc rc;

    rc = list_dir(dir, &ents, e);
    if (rc)
        return rc;
    if (cleanup) {
        int rolled = 0;
        for (size_t i = 0; i < ents.n; i++) {
            size_t bl;
            if (classify(ents.v[i], &bl) != K_META_NEW || bl > SCEP_NAME_MAX)
                continue;
            snprintf(name, sizeof name, "%.*s", (int)bl, ents.v[i]);
            scep_error e2;
            scep_error_clear(&e2);
            if (scep_ks_roll_forward(dir, name, &e2))
                scep_log(SCEP_LOG_WARNING,
                         "key store: cannot complete replacement of %s: %s", name, e2.text);
            else
                scep_log(SCEP_LOG_NOTICE, "key store: completed replacement of %s", name);
            rolled = 1;
        }
        if (rolled) {
            strvec_free(&ents);
            rc = list_dir(dir, &ents, e);
            if (rc)
                return rc;
        }
    }
    for (size_t i = 0; i < ents.n; i++) {
        const char *f = ents.v[i];
        size_t bl = 0;
        int has_chain;

        switch (classify(f, &bl)) {
        case K_KEYFILE:
            snprintf(fn, sizeof fn, "%.*s%s", (int)bl, f, SFX_META);
            if (cleanup && !strvec_has(&ents, fn)) {
                remove_file(dir, f, "orphan: no metadata");
                removed = 1;
            }
            break;
        case K_STAGED:
            /* a committed replacement whose roll-forward failed keeps them */
            snprintf(fn, sizeof fn, "%.*s%s.new", (int)bl, f, SFX_META);
            if (cleanup && !strvec_has(&ents, fn)) {
                remove_file(dir, f, "uncommitted replacement");
                removed = 1;
            }
            break;
        case K_TEMP:
            if (cleanup) {
                remove_file(dir, f, "temporary file");
                removed = 1;
            }
            break;
        case K_META:
            if (bl > SCEP_NAME_MAX)
                break;
            snprintf(name, sizeof name, "%.*s", (int)bl, f);
            if (n == alloc) {
                alloc = alloc ? alloc * 2 : 16;
                nk = realloc(keys, alloc * sizeof *keys);
                if (!nk) {
                    rc = scep_error_set(e, SCEP_E_NOMEM, "out of memory");
                    goto out;
                }
                keys = nk;
            }
            if (load_entry(dir, &ents, name, cleanup, &keys[n], &has_chain))
                n++;
            else if (cleanup)
                removed = 1;
            break;
        case K_META_NEW:
        case K_OTHER:
            break;
        }
    }
    if (removed)
        scep_fsync_dir(dir, NULL);

    /* sort by index; give duplicates (copied files) fresh indexes */
    if (n)
        qsort(keys, n, sizeof *keys, cmp_index);
    last = scep_ks_read_nextindex(dir);
    if (*lastp > last)
        last = *lastp;
    if (n && keys[n - 1].index > last)
        last = keys[n - 1].index;
    for (size_t i = 1; i < n; i++) {
        if (keys[i].index != keys[i - 1].index || last >= KS_INDEX_MAX)
            continue;
        scep_log(SCEP_LOG_WARNING, "key store: %s has the index %u of %s; now %u",
                 keys[i].name, (unsigned)keys[i].index, keys[i - 1].name,
                 (unsigned)last + 1);
        keys[i].index = ++last;
        resort = 1;
        if (cleanup) {
            char meta[1024], path[PATH_MAX];
            int len;
            snprintf(fn, sizeof fn, "%s%s", keys[i].name, SFX_CHAIN);
            len = scep_ks_meta_format(&keys[i], strvec_has(&ents, fn), meta, sizeof meta);
            if (len > 0 &&
                !scep_ks_file(dir, keys[i].name, SFX_META, NULL, path, sizeof path) &&
                !scep_ks_write_nextindex(dir, last, NULL))
                scep_write_file_atomic(path, meta, (size_t)len, 0644, NULL);
        }
    }
    if (resort)
        qsort(keys, n, sizeof *keys, cmp_index);

    *out = keys;
    *nout = n;
    *lastp = last;
    keys = NULL;
out:
    free(keys);
    strvec_free(&ents);
    return rc;
}
