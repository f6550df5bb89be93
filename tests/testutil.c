/* testutil.c - shared helpers for the CUnit test programs. */
#include "config.h"

#include "testutil.h"

#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tu_run_fixture(const char *suite, const tu_case *cases, int (*init)(void),
                   int (*cleanup)(void))
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    CU_pSuite s = CU_add_suite(suite, init, cleanup);
    if (!s)
        return 99;
    for (const tu_case *c = cases; c->name; c++)
        if (!CU_add_test(s, c->name, c->fn))
            return 99;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "%s: no tests ran\n", suite);
        return 99;
    }
    return (failed || suites_failed) ? 1 : 0;
}

int tu_run(const char *suite, const tu_case *cases)
{
    return tu_run_fixture(suite, cases, NULL, NULL);
}

char *tu_mkdtemp(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s/scep-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(buf))
        return NULL;
    return strdup(buf);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tu_fixture_dir(void)
{
    static char buf[PATH_MAX];
    const char *srcdir = getenv("srcdir");
    snprintf(buf, sizeof buf, "%s/fixtures", srcdir && *srcdir ? srcdir : ".");
    return buf;
}

void tu_fixture_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tu_fixture_dir(), name);
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

mode_t tu_file_mode(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;

    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p || stat(p, &st) != 0)
        return (mode_t)-1;
    return st.st_mode & 07777;
}

int tu_file_exists(const char *dir, const char *name)
{
    return tu_file_mode(dir, name) != (mode_t)-1;
}

void tu_write_text(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX];
    FILE *f;

    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

char tu_log[8192];

void tu_log_capture(int level, const char *msg, void *ctx)
{
    (void)ctx;
    size_t l = strlen(tu_log);
    snprintf(tu_log + l, sizeof tu_log - l, "%d:%s\n", level, msg);
}

int tu_spki_sha256_hex(EVP_PKEY *k, char out[65])
{
    unsigned char *der = NULL, md[32];
    int n = i2d_PUBKEY(k, &der);

    out[0] = '\0';
    if (n <= 0)
        return -1;
    SHA256(der, (size_t)n, md);
    OPENSSL_free(der);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

time_t tu_asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(t, &tm))
        return -1;
    return timegm(&tm);
}

unsigned char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    rewind(f);
    unsigned char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

/* A certificate for key, signed by issuer/ikey (self-signed when NULL), with
 * optional basicConstraints and keyUsage extension values. */
X509 *tu_mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *bc,
                const char *ku)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509V3_CTX v3;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x,
                         issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    if (bc) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, bc);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (ku) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ku);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(x, ikey ? ikey : key, EVP_sha256());
    return x;
}
