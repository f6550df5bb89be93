/* csrfix.c - the fixture shared by test_csr and test_msg (see csrfix.h). */
#include "config.h"

#include "csrfix.h"
#include "testutil.h"

#include <stdio.h>

EVP_PKEY *key1024;
EVP_PKEY *ca_key;
X509 *ca_cert;

void csrfix_params(scep_params *p, const char *org, const char *cn, const char *chal,
                   scep_usage u, scep_hash h)
{
    scep_params_init(p);
    snprintf(p->name, sizeof p->name, "k1");
    snprintf(p->org, sizeof p->org, "%s", org);
    snprintf(p->cn, sizeof p->cn, "%s", cn);
    snprintf(p->challenge, sizeof p->challenge, "%s", chal);
    p->usage = u;
    p->hash = h;
}

X509_REQ *csrfix_csr(const char *org, const char *cn, const char *chal, scep_usage u,
                     scep_hash h)
{
    scep_params p;
    scep_error e;
    X509_REQ *r = NULL;

    csrfix_params(&p, org, cn, chal, u, h);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(scep_csr_build(key1024, &p, &r, &e), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    return r;
}

int csrfix_init(void)
{
    scep_error e;
    X509_REQ *r = NULL;
    scep_params p;

    if (scep_key_generate(1024, NULL, &key1024, &e) ||
        scep_key_generate(1024, NULL, &ca_key, &e))
        return 1;
    csrfix_params(&p, "Test CA", "ca.example.test", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    if (scep_csr_build(ca_key, &p, &r, &e) || scep_selfsigned(ca_key, r, &ca_cert, &e))
        return 1;
    X509_REQ_free(r);
    return 0;
}

int csrfix_cleanup(void)
{
    EVP_PKEY_free(key1024);
    EVP_PKEY_free(ca_key);
    X509_free(ca_cert);
    scep_libctx_free();
    return 0;
}

time_t csrfix_fixed_clock(void *ctx)
{
    (void)ctx;
    return 1700000000;
}
