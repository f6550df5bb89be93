/*
 * test_csr.c - keys, CSR (M2-M7), transactionID, self-signed signer. The
 * pkiMessage round trip and the minimal CertRep check are in test_msg.c; the
 * fixture (client key, local CA) is csrfix.c.
 */
#include "config.h"

#include "csrfix.h"
#include "scep-int.h"
#include "testutil.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- CSR contents ---------------------------------------------------------- */

static void test_subject(void)
{
    X509_REQ *r =
        csrfix_csr("ACME Spa", "host.example.com", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    const X509_NAME *n = X509_REQ_get_subject_name(r);
    CU_ASSERT_EQUAL(X509_NAME_entry_count(n), 2);
    const X509_NAME_ENTRY *o = X509_NAME_get_entry(n, 0), *cn = X509_NAME_get_entry(n, 1);
    CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(o)), NID_organizationName);
    CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(cn)), NID_commonName);
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(cn);
    CU_ASSERT_EQUAL(ASN1_STRING_type(s), V_ASN1_UTF8STRING);
    CU_ASSERT_NSTRING_EQUAL(ASN1_STRING_get0_data(s), "host.example.com", 16);
    CU_ASSERT_STRING_EQUAL((const char *)ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(o)),
                           "ACME Spa");
    X509_REQ_free(r);

    /* no O when empty */
    r = csrfix_csr("", "host.example.com", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    n = X509_REQ_get_subject_name(r);
    CU_ASSERT_EQUAL(X509_NAME_entry_count(n), 1);
    CU_ASSERT_EQUAL(X509_NAME_get_index_by_NID(n, NID_organizationName, -1), -1);
    X509_REQ_free(r);
}

static GENERAL_NAMES *san_of(X509_REQ *r)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(r);
    int crit = -1;
    GENERAL_NAMES *g = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
    CU_ASSERT_EQUAL(crit, 0);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return g;
}

static void test_san(void)
{
    static const struct {
        const char *cn;
        int type;
        int len;
        unsigned char ip[16];
    } cases[] = {
        {"192.0.2.7", GEN_IPADD, 4, {192, 0, 2, 7}},
        {"2001:db8::1", GEN_IPADD, 16, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
        {"host.example.com", GEN_DNS, 16, {0}},
        {"192.0.2.7.example", GEN_DNS, 17, {0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        X509_REQ *r = csrfix_csr("", cases[i].cn, "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
        GENERAL_NAMES *g = san_of(r);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL(sk_GENERAL_NAME_num(g), 1);
        int type;
        ASN1_STRING *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(g, 0), &type);
        CU_ASSERT_EQUAL(type, cases[i].type);
        CU_ASSERT_EQUAL(ASN1_STRING_length(v), cases[i].len);
        if (type == GEN_IPADD) {
            CU_ASSERT(memcmp(ASN1_STRING_get0_data(v), cases[i].ip, (size_t)cases[i].len) ==
                      0);
        } else {
            CU_ASSERT_STRING_EQUAL((const char *)ASN1_STRING_get0_data(v), cases[i].cn);
        }
        GENERAL_NAMES_free(g);
        X509_REQ_free(r);
    }
}

static void check_challenge(const char *chal, int type)
{
    X509_REQ *r = csrfix_csr("", "h.example", chal, SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    int i = X509_REQ_get_attr_by_NID(r, NID_pkcs9_challengePassword, -1);
    if (!chal[0]) {
        CU_ASSERT_EQUAL(i, -1);
        CU_ASSERT_EQUAL(X509_REQ_get_attr_count(r), 1); /* only the extension request */
    } else {
        CU_ASSERT_FATAL(i >= 0);
        X509_ATTRIBUTE *a = X509_REQ_get_attr(r, i);
        CU_ASSERT_EQUAL(X509_ATTRIBUTE_count(a), 1);
        ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, 0);
        CU_ASSERT_EQUAL(t->type, type);
        CU_ASSERT_EQUAL(ASN1_STRING_length(t->value.asn1_string), (int)strlen(chal));
        CU_ASSERT(memcmp(ASN1_STRING_get0_data(t->value.asn1_string), chal, strlen(chal)) ==
                  0);
    }
    X509_REQ_free(r);
}

static void test_challenge(void)
{
    check_challenge("s3cret-Pass word", V_ASN1_PRINTABLESTRING);
    check_challenge("p\xc3\xa4ss_w\xc3\xb6rd", V_ASN1_UTF8STRING); /* '_' and umlauts */
    check_challenge("", 0);
}

/* KU (critical, digitalSignature + keyEncipherment only) and the EKU set. */
static void check_usage(scep_usage u, const int *eku, int n_eku)
{
    X509_REQ *r = csrfix_csr("O", "h.example", "", u, SCEP_HASH_SHA256);
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(r);
    int crit = -1;
    ASN1_BIT_STRING *ku = X509V3_get_d2i(exts, NID_key_usage, &crit, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ku);
    CU_ASSERT_EQUAL(crit, 1);
    CU_ASSERT(ASN1_BIT_STRING_get_bit(ku, 0)); /* digitalSignature */
    CU_ASSERT(!ASN1_BIT_STRING_get_bit(ku, 1));
    CU_ASSERT(ASN1_BIT_STRING_get_bit(ku, 2)); /* keyEncipherment */
    for (int b = 3; b < 9; b++)
        CU_ASSERT(!ASN1_BIT_STRING_get_bit(ku, b));
    ASN1_BIT_STRING_free(ku);

    EXTENDED_KEY_USAGE *e = X509V3_get_d2i(exts, NID_ext_key_usage, &crit, NULL);
    if (n_eku == 0) {
        CU_ASSERT_PTR_NULL(e);
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_EQUAL(crit, 0);
        CU_ASSERT_EQUAL(sk_ASN1_OBJECT_num(e), n_eku);
        for (int i = 0; i < n_eku && i < sk_ASN1_OBJECT_num(e); i++)
            CU_ASSERT_EQUAL(OBJ_obj2nid(sk_ASN1_OBJECT_value(e, i)), eku[i]);
    }
    EXTENDED_KEY_USAGE_free(e);
    /* the IPsec policy name never reaches the CSR: exactly SAN, KU (+EKU) */
    CU_ASSERT_EQUAL(sk_X509_EXTENSION_num(exts), n_eku ? 3 : 2);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(r);
}

static void test_usage(void)
{
    check_usage(SCEP_USAGE_NONE, NULL, 0);
    check_usage(SCEP_USAGE_TLS, (const int[]){NID_server_auth, NID_client_auth}, 2);
    check_usage(SCEP_USAGE_IPSEC, (const int[]){NID_ipsec_IKE}, 1);
    check_usage(SCEP_USAGE_DOT1X, (const int[]){NID_client_auth}, 1);
    CU_ASSERT_STRING_EQUAL(OBJ_nid2ln(NID_ipsec_IKE), "ipsec Internet Key Exchange");
}

static void test_signature_hash(void)
{
    static const struct {
        scep_hash h;
        int nid;
    } cases[] = {
        {SCEP_HASH_SHA1, NID_sha1WithRSAEncryption},
        {SCEP_HASH_SHA256, NID_sha256WithRSAEncryption},
        {SCEP_HASH_SHA384, NID_sha384WithRSAEncryption},
        {SCEP_HASH_SHA512, NID_sha512WithRSAEncryption},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        X509_REQ *r = csrfix_csr("O", "h.example", "pw", SCEP_USAGE_TLS, cases[i].h);
        CU_ASSERT_EQUAL(X509_REQ_get_signature_nid(r), cases[i].nid);
        CU_ASSERT_EQUAL(X509_REQ_verify(r, key1024), 1);
        CU_ASSERT_EQUAL(X509_REQ_verify(r, ca_key), 0); /* a wrong key fails */
        ERR_clear_error();
        X509_REQ_free(r);
    }
    scep_params p;
    scep_error e;
    X509_REQ *r = NULL;
    csrfix_params(&p, "", "h.example", "", SCEP_USAGE_NONE, (scep_hash)9);
    CU_ASSERT_EQUAL(scep_csr_build(key1024, &p, &r, &e), SCEP_E_INVALID);
    CU_ASSERT_PTR_NULL(r);
    csrfix_params(&p, "", "", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    CU_ASSERT_EQUAL(scep_csr_build(key1024, &p, &r, &e), SCEP_E_INVALID);
}

/* The challenge never reaches the log or an error text. */
static void test_challenge_not_logged(void)
{
    scep_params p;
    scep_error e;
    X509_REQ *r = NULL;
    csrfix_params(&p, "", "h.example", "TopSecretChallenge", SCEP_USAGE_NONE,
                  SCEP_HASH_SHA256);
    tu_log[0] = '\0';
    scep_set_log(tu_log_capture, NULL);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_csr_build(key1024, &p, &r, &e), SCEP_OK);
    X509_REQ_free(r);
    r = NULL;
    p.hash = (scep_hash)0; /* a failure path */
    CU_ASSERT_EQUAL(scep_csr_build(key1024, &p, &r, &e), SCEP_E_INVALID);
    scep_set_log(NULL, NULL);
    CU_ASSERT_PTR_NULL(strstr(tu_log, "TopSecret"));
    CU_ASSERT_PTR_NULL(strstr(e.text, "TopSecret"));
}

/* ---- keys ------------------------------------------------------------------ */

static void test_key_sizes(void)
{
    static const unsigned sizes[] = {1024, 2048};
    for (size_t i = 0; i < 2; i++) {
        EVP_PKEY *k = NULL;
        scep_error e;
        CU_ASSERT_EQUAL_FATAL(scep_key_generate(sizes[i], NULL, &k, &e), SCEP_OK);
        CU_ASSERT(EVP_PKEY_is_a(k, "RSA"));
        CU_ASSERT_EQUAL(EVP_PKEY_get_bits(k), (int)sizes[i]);
        EVP_PKEY_free(k);
    }
    EVP_PKEY *k = NULL;
    scep_error e;
    CU_ASSERT_EQUAL(scep_key_generate(100, NULL, &k, &e), SCEP_E_INVALID);
    CU_ASSERT_PTR_NULL(k);
}

static void test_key_4096(void)
{
    EVP_PKEY *k = NULL;
    scep_error e;
    CU_ASSERT_EQUAL_FATAL(scep_key_generate(4096, NULL, &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(EVP_PKEY_get_bits(k), 4096);
    EVP_PKEY_free(k);
}

static volatile int cancel_flag;
static void *set_cancel(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    cancel_flag = 1;
    return NULL;
}

static void test_keygen_cancel(void)
{
    EVP_PKEY *k = NULL;
    scep_error e;
    pthread_t t;

    /* already cancelled: nothing starts */
    cancel_flag = 1;
    CU_ASSERT_EQUAL(scep_key_generate(2048, &cancel_flag, &k, &e), SCEP_E_CANCELLED);
    CU_ASSERT_PTR_NULL(k);
    CU_ASSERT_EQUAL(e.code, SCEP_E_CANCELLED);

    /* RSA-8192 takes seconds; a cancel after 50 ms must stop it at once */
    cancel_flag = 0;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, set_cancel, NULL), 0);
    double t0 = tu_now();
    scep_rc rc = scep_key_generate(8192, &cancel_flag, &k, &e);
    double dt = tu_now() - t0;
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(rc, SCEP_E_CANCELLED);
    CU_ASSERT_PTR_NULL(k);
    CU_ASSERT(dt < 1.0);
    EVP_PKEY_free(k);
    cancel_flag = 0;
}

static void test_key_load(void)
{
    char path[4096];
    EVP_PKEY *k = NULL;
    scep_error e;

    tu_fixture_path(path, sizeof path, "csr-rsa1024-pkcs1.pem");
    CU_ASSERT_EQUAL_FATAL(scep_key_load(path, &k, &e), SCEP_OK);
    CU_ASSERT_EQUAL(EVP_PKEY_get_bits(k), 1024);
    EVP_PKEY_free(k);
    k = NULL;

    tu_fixture_path(path, sizeof path, "csr-rsa1024-pkcs8.pem");
    CU_ASSERT_EQUAL_FATAL(scep_key_load(path, &k, &e), SCEP_OK);
    CU_ASSERT(EVP_PKEY_is_a(k, "RSA"));
    /* the loaded key signs a CSR */
    scep_params p;
    X509_REQ *r = NULL;
    csrfix_params(&p, "", "h.example", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    CU_ASSERT_EQUAL(scep_csr_build(k, &p, &r, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_REQ_verify(r, k), 1);
    X509_REQ_free(r);
    EVP_PKEY_free(k);
    k = NULL;

    tu_fixture_path(path, sizeof path, "csr-ec-p256.pem");
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_key_load(path, &k, &e), SCEP_E_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "only RSA keys are supported"));
    CU_ASSERT_PTR_NULL(k);

    /* encrypted: refused without prompting */
    tu_fixture_path(path, sizeof path, "csr-rsa1024-encrypted.pem");
    CU_ASSERT_EQUAL(scep_key_load(path, &k, &e), SCEP_E_INVALID);
    CU_ASSERT_PTR_NULL(k);

    tu_fixture_path(path, sizeof path, "csr-does-not-exist.pem");
    CU_ASSERT_EQUAL(scep_key_load(path, &k, &e), SCEP_E_IO);
    CU_ASSERT_PTR_NULL(k);
}

static void test_key_to_pem(void)
{
    char *pem = NULL;
    size_t len = 0;
    scep_error e;

    CU_ASSERT_EQUAL_FATAL(scep_key_to_pem(key1024, &pem, &len, &e), SCEP_OK);
    CU_ASSERT_EQUAL(strlen(pem), len);
    CU_ASSERT_NSTRING_EQUAL(pem, "-----BEGIN PRIVATE KEY-----\n", 28);
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(k);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(k, key1024), 1);
    EVP_PKEY_free(k);
    BIO_free(b);
    OPENSSL_cleanse(pem, len);
    free(pem);
}

/* ---- transactionID, self-signed certificate ------------------------------- */

static void test_transaction_id(void)
{
    char a[65], b[65], c[65], want[65];

    CU_ASSERT_EQUAL(scep_transaction_id(key1024, a), SCEP_OK);
    CU_ASSERT_EQUAL(scep_transaction_id(key1024, b), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(strlen(a), 64);
    CU_ASSERT_EQUAL(strspn(a, "0123456789abcdef"), 64);
    CU_ASSERT_EQUAL(scep_transaction_id(ca_key, c), SCEP_OK);
    CU_ASSERT_STRING_NOT_EQUAL(a, c);
    /* SHA-256 of the DER SubjectPublicKeyInfo */
    CU_ASSERT_FATAL(tu_spki_sha256_hex(key1024, want) == 0);
    CU_ASSERT_STRING_EQUAL(a, want);
}

static void test_selfsigned(void)
{
    X509_REQ *r = csrfix_csr("Org", "10.1.2.3", "", SCEP_USAGE_NONE, SCEP_HASH_SHA256);
    X509 *x = NULL, *y = NULL;
    scep_error e;

    time_t t0 = time(NULL);
    scep_set_clock(csrfix_fixed_clock, NULL);
    CU_ASSERT_EQUAL_FATAL(scep_selfsigned(key1024, r, &x, &e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(scep_selfsigned(key1024, r, &y, &e), SCEP_OK);
    scep_set_clock(NULL, NULL);
    time_t t1 = time(NULL);
    CU_ASSERT_EQUAL(X509_verify(x, key1024), 1);
    CU_ASSERT_EQUAL(X509_NAME_cmp(X509_get_subject_name(x), X509_REQ_get_subject_name(r)),
                    0);
    CU_ASSERT_EQUAL(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)), 0);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(x), key1024), 1);
    CU_ASSERT_EQUAL(X509_get_version(x), X509_VERSION_3);
    /* RFC 8894 2.3: keyUsage digitalSignature and keyEncipherment, nothing else */
    CU_ASSERT_EQUAL(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
    CU_ASSERT_TRUE(X509_get_extension_flags(x) & EXFLAG_KUSAGE);
    time_t nb = tu_asn1_time(X509_get0_notBefore(x)),
           na = tu_asn1_time(X509_get0_notAfter(x));
    CU_ASSERT(nb >= t0 - 3600 && nb <= t1 - 3600);
    CU_ASSERT(na >= t0 + 86400 && na <= t1 + 86400);
    const ASN1_INTEGER *s1 = X509_get0_serialNumber(x), *s2 = X509_get0_serialNumber(y);
    CU_ASSERT_NOT_EQUAL(ASN1_INTEGER_cmp(s1, s2), 0); /* random */
    BIGNUM *bn = ASN1_INTEGER_to_BN(s1, NULL);
    CU_ASSERT(!BN_is_negative(bn) && !BN_is_zero(bn));
    BN_free(bn);
    X509_free(x);
    X509_free(y);
    X509_REQ_free(r);
}

int main(void)
{
    return tu_run_fixture("csr",
                          (tu_case[]){{"subject O/CN", test_subject},
                                      {"subjectAltName IP/DNS", test_san},
                                      {"challengePassword", test_challenge},
                                      {"challenge never logged", test_challenge_not_logged},
                                      {"key usage per target", test_usage},
                                      {"signature hash", test_signature_hash},
                                      {"key sizes 1024/2048", test_key_sizes},
                                      {"key size 4096", test_key_4096},
                                      {"keygen cancel", test_keygen_cancel},
                                      {"key load", test_key_load},
                                      {"key to PEM", test_key_to_pem},
                                      {"transactionID", test_transaction_id},
                                      {"self-signed signer", test_selfsigned},
                                      {NULL, NULL}},
                          csrfix_init, csrfix_cleanup);
}
