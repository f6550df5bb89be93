/* ksfix.c - the fixture shared by test_keystore and test_kstxn (see ksfix.h). */
#include "config.h"

#include "ksfix.h"
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>

EVP_PKEY *key_a, *key_b;

X509 *ksfix_cert_at(EVP_PKEY *k, const char *cn, const char *org, long serial, time_t nb,
                    time_t na)
{
    X509 *x = X509_new();
    X509_NAME *nm = X509_NAME_new();

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    if (org)
        X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)org, -1,
                                   -1, 0);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                               0);
    X509_set_subject_name(x, nm);
    X509_set_issuer_name(x, nm);
    X509_NAME_free(nm);
    ASN1_TIME_set(X509_getm_notBefore(x), nb);
    ASN1_TIME_set(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, k);
    if (!X509_sign(x, k, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

X509 *ksfix_cert(EVP_PKEY *k, const char *cn)
{
    time_t now = time(NULL);
    return ksfix_cert_at(k, cn, "Acme", 0x01AB, now - 3600, now + 365 * 86400);
}

scep_keystore *ksfix_fresh(unsigned cap, char **base, char *dir, size_t n)
{
    scep_keystore *ks = NULL;
    scep_error e;

    *base = tu_mkdtemp("ks");
    snprintf(dir, n, "%s/store", *base);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_keystore_open(dir, cap, &ks, &e), SCEP_OK);
    return ks;
}

scep_rc ksfix_store(scep_keystore *ks, const char *name, EVP_PKEY *k, scep_usage u,
                    const char *replace, scep_keyinfo *out, scep_error *e)
{
    X509 *x = ksfix_cert(k, name);
    scep_rc rc = scep_keystore_store(ks, name, k, x, NULL, u, NULL, replace, out, e);
    X509_free(x);
    return rc;
}

uint32_t ksfix_index_of(scep_keystore *ks, const char *name)
{
    scep_keyinfo k;
    return scep_keystore_get(ks, name, &k, NULL) == SCEP_OK ? k.index : 0;
}

int ksfix_init(void)
{
    key_a = EVP_RSA_gen(1024);
    key_b = EVP_RSA_gen(1024);
    return key_a && key_b ? 0 : 1;
}

int ksfix_cleanup(void)
{
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
    return 0;
}
