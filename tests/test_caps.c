/* test_caps.c - GetCACaps parsing, algorithm choice, GetCACert parsing and
 * CA/RA selection (B3). The libcurl transport is tested in test_http.c. */
#include "config.h"

#include "scep-int.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* GetCACaps                                                                 */
/* ------------------------------------------------------------------------ */

static unsigned parse_str(const char *s)
{
    return scep_caps_parse(s, strlen(s));
}

static void test_caps_debian(void)
{
    /* micromdm scepserver 2.1.0, exactly (no final newline, TESTBED.md). */
    const char *b = "Renewal\nSHA-1\nSHA-256\nAES\nDES3\nSCEPStandard\nPOSTPKIOperation";
    unsigned c = parse_str(b);

    CU_ASSERT_EQUAL(c, SCEP_CAP_RENEWAL | SCEP_CAP_SHA1 | SCEP_CAP_SHA256 | SCEP_CAP_AES |
                           SCEP_CAP_DES3 | SCEP_CAP_SCEPSTANDARD | SCEP_CAP_POST);
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(c), "SHA256");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(c), "AES-128-CBC");
    /* The length is honoured: a cut keyword is not recognised. */
    CU_ASSERT_EQUAL(scep_caps_parse("POSTPKIOperation", 9), 0);
    CU_ASSERT_EQUAL(scep_caps_parse("AES\nDES3", 3), SCEP_CAP_AES);
}

static void test_caps_crlf_case_unknown(void)
{
    CU_ASSERT_EQUAL(parse_str("AES\r\nSHA-512\r\nGetNextCACert\r\n"),
                    SCEP_CAP_AES | SCEP_CAP_SHA512 | SCEP_CAP_GETNEXTCACERT);
    CU_ASSERT_EQUAL(parse_str("aes\nsha-256\npostpkioperation\nrenewal\nUPDATE\n"),
                    SCEP_CAP_AES | SCEP_CAP_SHA256 | SCEP_CAP_POST | SCEP_CAP_RENEWAL |
                        SCEP_CAP_UPDATE);
    CU_ASSERT_EQUAL(parse_str("Foo\nSHA-256X\nAESX\nSHA-384\nBar Baz\tSHA-224\nXAES"),
                    SCEP_CAP_SHA384 | SCEP_CAP_SHA224);
    CU_ASSERT_EQUAL(parse_str("  DES3   SHA-1  "), SCEP_CAP_DES3 | SCEP_CAP_SHA1);
    /* SCEPStandard implies AES, POSTPKIOperation and SHA-256. */
    CU_ASSERT_EQUAL(parse_str("SCEPStandard"),
                    SCEP_CAP_SCEPSTANDARD | SCEP_CAP_AES | SCEP_CAP_POST | SCEP_CAP_SHA256);
}

static void test_caps_empty(void)
{
    CU_ASSERT_EQUAL(parse_str(""), 0);
    CU_ASSERT_EQUAL(scep_caps_parse(NULL, 10), 0);
    CU_ASSERT_EQUAL(parse_str("\r\n \n\t"), 0);
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(0), "SHA1");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(0), "DES-EDE3-CBC"); /* never single DES */
}

static void test_caps_choice(void)
{
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA1), "SHA1");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA1 | SCEP_CAP_SHA224), "SHA224");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA256 | SCEP_CAP_SHA512), "SHA256");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA384 | SCEP_CAP_SHA512), "SHA512");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA256 | SCEP_CAP_SHA384), "SHA256");
    /* SHA-1 + DES only (an old NDES) and a DES-only server. */
    unsigned old = parse_str("SHA-1\nDES3\n");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(old), "SHA1");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(old), "DES-EDE3-CBC");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(parse_str("GetNextCACert")), "DES-EDE3-CBC");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(SCEP_CAP_AES | SCEP_CAP_DES3), "AES-128-CBC");

    /* Every name we may return is fetchable in the library context. */
    const char *ciphers[] = {"AES-128-CBC", "DES-EDE3-CBC", "DES-CBC"};
    const char *mds[] = {"SHA1", "SHA224", "SHA256", "SHA384", "SHA512"};
    for (size_t i = 0; i < 3; i++) {
        EVP_CIPHER *c = EVP_CIPHER_fetch(scep_libctx(), ciphers[i], NULL);
        CU_ASSERT_PTR_NOT_NULL(c);
        EVP_CIPHER_free(c);
    }
    for (size_t i = 0; i < 5; i++) {
        EVP_MD *m = EVP_MD_fetch(scep_libctx(), mds[i], NULL);
        CU_ASSERT_PTR_NOT_NULL(m);
        EVP_MD_free(m);
    }
}

static void test_caps_format(void)
{
    char buf[256];
    unsigned all = (SCEP_CAP_SHA384 << 1) - 1;

    CU_ASSERT_STRING_EQUAL(scep_caps_format(all, buf, sizeof buf),
                           "AES DES3 GetNextCACert POSTPKIOperation Renewal SHA-1 SHA-224 "
                           "SHA-256 SHA-384 SHA-512 SCEPStandard Update");
    CU_ASSERT_EQUAL(parse_str(buf), all);
    CU_ASSERT_STRING_EQUAL(scep_caps_format(0, buf, sizeof buf), "");
    CU_ASSERT_STRING_EQUAL(
        scep_caps_format(SCEP_CAP_AES | SCEP_CAP_DES3 | SCEP_CAP_GETNEXTCACERT, buf, 12),
        "AES DES3");
    buf[0] = 'x';
    scep_caps_format(all, buf, 0);
    CU_ASSERT_EQUAL(buf[0], 'x');
}

/* ------------------------------------------------------------------------ */
/* GetCACert                                                                 */
/* ------------------------------------------------------------------------ */

static EVP_PKEY *k_ca, *k_ra, *k_other;
static X509 *c_ca, *c_enc, *c_sig, *c_both, *c_noku, *c_root, *c_inter, *c_ra2, *c_foreign;

static int ca_init(void)
{
    k_ca = EVP_EC_gen("P-256");
    k_ra = EVP_EC_gen("P-256");
    k_other = EVP_EC_gen("P-256");
    if (!k_ca || !k_ra || !k_other)
        return 1;
    const char *cabc = "critical,CA:TRUE", *caku = "critical,keyCertSign,cRLSign";
    c_ca = tu_mkcert("Test CA", k_ca, NULL, NULL, cabc, caku);
    c_enc = tu_mkcert("RA enc", k_ra, c_ca, k_ca, "CA:FALSE", "critical,keyEncipherment");
    c_sig = tu_mkcert("RA sig", k_ra, c_ca, k_ca, "CA:FALSE", "critical,digitalSignature");
    c_both = tu_mkcert("RA both", k_ra, c_ca, k_ca, NULL,
                       "critical,digitalSignature,keyEncipherment");
    c_noku = tu_mkcert("RA no KU", k_ra, c_ca, k_ca, NULL, NULL);
    c_root = tu_mkcert("Root", k_other, NULL, NULL, cabc, caku);
    c_inter = tu_mkcert("Intermediate", k_ca, c_root, k_other, cabc, caku);
    c_ra2 = tu_mkcert("RA of intermediate", k_ra, c_inter, k_ca, NULL, "keyEncipherment");
    /* Same issuer name as c_ca but signed by another key: must not be taken. */
    c_foreign = tu_mkcert("Foreign RA", k_ra, c_ca, k_other, NULL,
                          "digitalSignature,keyEncipherment");
    return !(c_ca && c_enc && c_sig && c_both && c_noku && c_root && c_inter && c_ra2 &&
             c_foreign);
}

static int ca_cleanup(void)
{
    X509 *all[] = {c_ca, c_enc, c_sig, c_both, c_noku, c_root, c_inter, c_ra2, c_foreign};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        X509_free(all[i]);
    EVP_PKEY_free(k_ca);
    EVP_PKEY_free(k_ra);
    EVP_PKEY_free(k_other);
    return 0;
}

/* Degenerate certs-only PKCS#7 SignedData, DER (malloc'd by OpenSSL). */
static unsigned char *p7_der(X509 **certs, int n, size_t *len)
{
    PKCS7 *p7 = PKCS7_new();
    unsigned char *der = NULL;

    PKCS7_set_type(p7, NID_pkcs7_signed);
    PKCS7_content_new(p7, NID_pkcs7_data);
    for (int i = 0; i < n; i++)
        PKCS7_add_certificate(p7, certs[i]);
    int l = i2d_PKCS7(p7, &der);
    PKCS7_free(p7);
    *len = l > 0 ? (size_t)l : 0;
    return der;
}

static scep_rc parse_p7(X509 **certs, int n, const char *ct, scep_ca *ca, scep_error *e)
{
    size_t len;
    unsigned char *der = p7_der(certs, n, &len);
    scep_rc rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(der);
    rc = scep_ca_parse(der, len, ct, ca, e);
    OPENSSL_free(der);
    return rc;
}

static const char *RA_CT = "application/x-x509-ca-ra-cert";
static const char *CA_CT = "application/x-x509-ca-cert";

static void test_ca_ra_split(void)
{
    X509 *chain[] = {c_enc, c_sig, c_ca}; /* CA last: found by issuance */
    scep_ca ca;
    scep_error e;

    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(parse_p7(chain, 3, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(sk_X509_num(ca.all), 3);
    CU_ASSERT_PTR_EQUAL(ca.ca, sk_X509_value(ca.all, 2));
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_enc), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_sig), 0);
    scep_ca_clear(&ca);
    CU_ASSERT_PTR_NULL(ca.all);
    CU_ASSERT_PTR_NULL(ca.ca);
    scep_ca_clear(&ca); /* twice is harmless */
}

/* Parse certs as a CA/RA reply; the certificate chosen for each role (want_ca
 * NULL: not checked). */
static void check_roles(X509 **certs, int n, X509 *want_ca, X509 *want_enc, X509 *want_sig)
{
    scep_ca ca;
    scep_error e;

    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(parse_p7(certs, n, RA_CT, &ca, &e), SCEP_OK);
    if (want_ca)
        CU_ASSERT_EQUAL(X509_cmp(ca.ca, want_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, want_enc), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, want_sig), 0);
    scep_ca_clear(&ca);
}

static void test_ca_ra_both_and_fallback(void)
{
    /* Explicit KU wins over an RA without KU. */
    X509 *c1[] = {c_ca, c_noku, c_both};
    check_roles(c1, 3, c_ca, c_both, c_both);
    /* A lone RA with only keyEncipherment signs too (RFC 8894 3.5.2: ignore
     * keyUsage when there is no choice). */
    X509 *c2[] = {c_ca, c_enc};
    check_roles(c2, 2, NULL, c_enc, c_enc);
    /* An RA without a keyUsage extension serves both. */
    X509 *c3[] = {c_noku, c_ca};
    check_roles(c3, 2, c_ca, c_noku, c_noku);
    /* An RA whose signature is not the CA's: a distinct error, no silent
     * fall-back to the CA. */
    X509 *c4[] = {c_foreign, c_ca};
    scep_ca ca;
    scep_error e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(parse_p7(c4, 2, RA_CT, &ca, &e), SCEP_E_CACERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "is not signed by the CA"));
    CU_ASSERT_PTR_NULL(ca.all);
}

static void test_ca_intermediate(void)
{
    scep_ca ca;
    scep_error e;

    X509 *c1[] = {c_root, c_ra2, c_inter};
    check_roles(c1, 3, c_inter, c_ra2, c_ra2); /* the lone RA serves both */
    memset(&e, 0, sizeof e);

    /* No RA: the leaf-most CA is the one we talk to. */
    X509 *c2[] = {c_inter, c_root};
    CU_ASSERT_EQUAL_FATAL(parse_p7(c2, 2, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_inter), 0);
    CU_ASSERT_PTR_EQUAL(ca.enc, ca.ca);
    CU_ASSERT_PTR_EQUAL(ca.sig, ca.ca);
    scep_ca_clear(&ca);
}

static void test_ca_single_der(void)
{
    unsigned char *der = NULL;
    int len = i2d_X509(c_ca, &der);
    scep_ca ca;
    scep_error e;

    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(len > 0);
    CU_ASSERT_EQUAL(scep_ca_parse(der, (size_t)len, CA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(sk_X509_num(ca.all), 1);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    CU_ASSERT_PTR_EQUAL(ca.enc, ca.ca);
    CU_ASSERT_PTR_EQUAL(ca.sig, ca.ca);
    scep_ca_clear(&ca);
    /* Mislabelled (and with parameters) still works. */
    CU_ASSERT_EQUAL(
        scep_ca_parse(der, (size_t)len, "Application/X-X509-CA-RA-Cert; x=y", &ca, &e),
        SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    scep_ca_clear(&ca);
    CU_ASSERT_EQUAL(scep_ca_parse(der, (size_t)len, NULL, &ca, &e), SCEP_OK);
    scep_ca_clear(&ca);
    OPENSSL_free(der);

    /* A lone certificate is the CA even without CA:TRUE. */
    der = NULL;
    len = i2d_X509(c_enc, &der);
    CU_ASSERT_EQUAL(scep_ca_parse(der, (size_t)len, CA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_enc), 0);
    scep_ca_clear(&ca);
    OPENSSL_free(der);

    /* A PKCS#7 labelled as a single certificate. */
    X509 *c1[] = {c_ca, c_both};
    CU_ASSERT_EQUAL(parse_p7(c1, 2, CA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_both), 0);
    scep_ca_clear(&ca);
}

static void test_ca_pem(void)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    scep_ca ca;
    scep_error e;

    memset(&e, 0, sizeof e);
    PEM_write_bio_X509(b, c_ca);
    PEM_write_bio_X509(b, c_both);
    long n = BIO_get_mem_data(b, &data);
    CU_ASSERT_EQUAL_FATAL(scep_ca_parse((unsigned char *)data, (size_t)n, CA_CT, &ca, &e),
                          SCEP_OK);
    CU_ASSERT_EQUAL(sk_X509_num(ca.all), 2);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_both), 0);
    scep_ca_clear(&ca);
    BIO_free(b);

    /* A PEM PKCS7 block. */
    size_t len;
    X509 *c1[] = {c_sig, c_ca};
    unsigned char *der = p7_der(c1, 2, &len);
    const unsigned char *p = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PKCS7(b, p7);
    n = BIO_get_mem_data(b, &data);
    CU_ASSERT_EQUAL(scep_ca_parse((unsigned char *)data, (size_t)n, "text/plain", &ca, &e),
                    SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_sig), 0);
    scep_ca_clear(&ca);
    BIO_free(b);
    PKCS7_free(p7);
    OPENSSL_free(der);

    /* PEM armour with nothing usable inside. */
    const char *bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    CU_ASSERT_EQUAL(scep_ca_parse((const unsigned char *)bad, strlen(bad), CA_CT, &ca, &e),
                    SCEP_E_CACERT);
    CU_ASSERT_PTR_NULL(ca.all);
}

static void test_ca_errors(void)
{
    scep_ca ca;
    scep_error e;
    const unsigned char junk[] = "<html>Not Found</html>";

    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(scep_ca_parse(junk, sizeof junk - 1, "text/html", &ca, &e),
                    SCEP_E_CACERT);
    CU_ASSERT_EQUAL(e.code, SCEP_E_CACERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "neither"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "text/html"));
    CU_ASSERT_PTR_NULL(ca.all);

    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(scep_ca_parse(junk, 0, CA_CT, &ca, &e), SCEP_E_CACERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "empty"));
    CU_ASSERT_EQUAL(scep_ca_parse(NULL, 5, CA_CT, &ca, &e), SCEP_E_CACERT);

    /* Empty certs-only PKCS#7. */
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(parse_p7(NULL, 0, RA_CT, &ca, &e), SCEP_E_CACERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "no certificate"));
    CU_ASSERT_PTR_NULL(ca.all);

    /* Two RA certificates and no CA. */
    memset(&e, 0, sizeof e);
    X509 *c1[] = {c_enc, c_sig};
    CU_ASSERT_EQUAL(parse_p7(c1, 2, RA_CT, &ca, &e), SCEP_E_CACERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "CA certificate"));
    CU_ASSERT_PTR_NULL(ca.all);

    /* A truncated DER certificate. */
    unsigned char *der = NULL;
    int len = i2d_X509(c_ca, &der);
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(scep_ca_parse(der, (size_t)len / 2, CA_CT, &ca, &e), SCEP_E_CACERT);
    CU_ASSERT_NOT_EQUAL(e.text[0], '\0');
    OPENSSL_free(der);
    CU_ASSERT_EQUAL(ERR_peek_error(), 0); /* nothing left on the error queue */
}

int main(void)
{
    tu_case caps[] = {
        {"caps: Debian scepserver string", test_caps_debian},
        {"caps: CRLF, case, unknown words", test_caps_crlf_case_unknown},
        {"caps: empty", test_caps_empty},
        {"caps: digest/cipher choice", test_caps_choice},
        {"caps: format", test_caps_format},
        {NULL, NULL},
    };
    tu_case cacert[] = {
        {"cacert: RA enc/sig split", test_ca_ra_split},
        {"cacert: RA both, fallbacks, foreign RA", test_ca_ra_both_and_fallback},
        {"cacert: intermediate CA", test_ca_intermediate},
        {"cacert: single DER", test_ca_single_der},
        {"cacert: PEM", test_ca_pem},
        {"cacert: garbage, empty, no CA", test_ca_errors},
        {NULL, NULL},
    };
    int rc = tu_run("caps", caps);
    int rc2 = tu_run_fixture("cacert", cacert, ca_init, ca_cleanup);
    return rc ? rc : rc2;
}
