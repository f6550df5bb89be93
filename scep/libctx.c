/*
 * libctx.c - the private OpenSSL library context used for SCEP messages.
 *
 * The Debian scepserver (and other old servers) always answer with a single
 * DES-CBC envelope (TESTBED.md). OpenSSL 3 only offers DES in its "legacy"
 * provider, so we load "default" + "legacy" into a private OSSL_LIB_CTX and
 * use it for keys, CSRs and PKCS#7 (the *_ex functions take it). The default
 * context, which libcurl's TLS uses, is left untouched (DESIGN.md section 2).
 *
 * The context is created on first use and lives until scep_libctx_free()
 * (called by scep_global_cleanup()); a later scep_libctx() creates a new one.
 * A mutex (not pthread_once) guards it so that a cleanup/init cycle, as the
 * tests do, works.
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/err.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <string.h>

/* Digests fetched once and owned by the context. */
static const char *const md_names[] = {"SHA1", "SHA224", "SHA256", "SHA384", "SHA512"};
#define N_MD (sizeof md_names / sizeof md_names[0])

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *ctx;
static OSSL_PROVIDER *prov_default;
static OSSL_PROVIDER *prov_legacy;
static EVP_MD *mds[N_MD];

static void release_locked(void)
{
    for (size_t i = 0; i < N_MD; i++) {
        EVP_MD_free(mds[i]);
        mds[i] = NULL;
    }
    if (prov_legacy)
        OSSL_PROVIDER_unload(prov_legacy);
    if (prov_default)
        OSSL_PROVIDER_unload(prov_default);
    prov_legacy = prov_default = NULL;
    OSSL_LIB_CTX_free(ctx);
    ctx = NULL;
}

static void create_locked(void)
{
    unsigned long err;
    char reason[256];

    ctx = OSSL_LIB_CTX_new();
    if (!ctx) {
        scep_log(SCEP_LOG_ERR, "cannot create the OpenSSL library context");
        return;
    }
    prov_default = OSSL_PROVIDER_load(ctx, "default");
    if (!prov_default) {
        err = ERR_peek_last_error();
        ERR_error_string_n(err, reason, sizeof reason);
        scep_log(SCEP_LOG_ERR, "cannot load the OpenSSL default provider: %s", reason);
        ERR_clear_error();
        release_locked();
        return;
    }
    prov_legacy = OSSL_PROVIDER_load(ctx, "legacy");
    if (!prov_legacy) {
        err = ERR_peek_last_error();
        ERR_error_string_n(err, reason, sizeof reason);
        scep_log(SCEP_LOG_WARNING,
                 "OpenSSL legacy provider not available (%s): DES-CBC CertRep "
                 "envelopes cannot be decrypted",
                 reason);
        ERR_clear_error();
    }
    for (size_t i = 0; i < N_MD; i++)
        mds[i] = EVP_MD_fetch(ctx, md_names[i], NULL);
    ERR_clear_error();
}

OSSL_LIB_CTX *scep_libctx(void)
{
    OSSL_LIB_CTX *c;

    pthread_mutex_lock(&ctx_lock);
    if (!ctx)
        create_locked();
    c = ctx;
    pthread_mutex_unlock(&ctx_lock);
    return c;
}

void scep_libctx_free(void)
{
    pthread_mutex_lock(&ctx_lock);
    release_locked();
    pthread_mutex_unlock(&ctx_lock);
}

const EVP_MD *scep_libctx_digest(const char *name)
{
    const EVP_MD *md = NULL;

    if (!name || !scep_libctx())
        return NULL;
    pthread_mutex_lock(&ctx_lock);
    for (size_t i = 0; i < N_MD && ctx; i++) {
        if (mds[i] && EVP_MD_is_a(mds[i], name)) {
            md = mds[i];
            break;
        }
    }
    pthread_mutex_unlock(&ctx_lock);
    return md;
}
