/* test_caps.c - GetCACaps parsing, algorithm choice, GetCACert parsing and
 * CA/RA selection (B3), and the libcurl transport against a tiny HTTP server
 * on 127.0.0.1 run in a thread. */
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
    CU_ASSERT_EQUAL(parse_str("SCEPStandard"), SCEP_CAP_SCEPSTANDARD | SCEP_CAP_AES |
                                                   SCEP_CAP_POST | SCEP_CAP_SHA256);
}

static void test_caps_empty(void)
{
    CU_ASSERT_EQUAL(parse_str(""), 0);
    CU_ASSERT_EQUAL(scep_caps_parse(NULL, 10), 0);
    CU_ASSERT_EQUAL(parse_str("\r\n \n\t"), 0);
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(0), "SHA1");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(0), "DES-CBC");
}

static void test_caps_choice(void)
{
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA1), "SHA1");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA1 | SCEP_CAP_SHA224), "SHA224");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA256 | SCEP_CAP_SHA512), "SHA512");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(SCEP_CAP_SHA256 | SCEP_CAP_SHA384), "SHA384");
    /* SHA-1 + DES only (an old NDES) and a DES-only server. */
    unsigned old = parse_str("SHA-1\nDES3\n");
    CU_ASSERT_STRING_EQUAL(scep_caps_digest(old), "SHA1");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(old), "DES-EDE3-CBC");
    CU_ASSERT_STRING_EQUAL(scep_caps_cipher(parse_str("GetNextCACert")), "DES-CBC");
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
    CU_ASSERT_STRING_EQUAL(scep_caps_format(SCEP_CAP_AES | SCEP_CAP_DES3 |
                                                SCEP_CAP_GETNEXTCACERT, buf, 12),
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

static X509 *mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
                    const char *bc, const char *ku)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509V3_CTX v3;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
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

static int ca_init(void)
{
    k_ca = EVP_EC_gen("P-256");
    k_ra = EVP_EC_gen("P-256");
    k_other = EVP_EC_gen("P-256");
    if (!k_ca || !k_ra || !k_other)
        return 1;
    const char *cabc = "critical,CA:TRUE", *caku = "critical,keyCertSign,cRLSign";
    c_ca = mkcert("Test CA", k_ca, NULL, NULL, cabc, caku);
    c_enc = mkcert("RA enc", k_ra, c_ca, k_ca, "CA:FALSE", "critical,keyEncipherment");
    c_sig = mkcert("RA sig", k_ra, c_ca, k_ca, "CA:FALSE", "critical,digitalSignature");
    c_both = mkcert("RA both", k_ra, c_ca, k_ca, NULL,
                    "critical,digitalSignature,keyEncipherment");
    c_noku = mkcert("RA no KU", k_ra, c_ca, k_ca, NULL, NULL);
    c_root = mkcert("Root", k_other, NULL, NULL, cabc, caku);
    c_inter = mkcert("Intermediate", k_ca, c_root, k_other, cabc, caku);
    c_ra2 = mkcert("RA of intermediate", k_ra, c_inter, k_ca, NULL, "keyEncipherment");
    /* Same issuer name as c_ca but signed by another key: must not be taken. */
    c_foreign = mkcert("Foreign RA", k_ra, c_ca, k_other, NULL,
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

static void test_ca_ra_both_and_fallback(void)
{
    scep_ca ca;
    scep_error e;

    memset(&e, 0, sizeof e);
    /* Explicit KU wins over an RA without KU. */
    X509 *c1[] = {c_ca, c_noku, c_both};
    CU_ASSERT_EQUAL_FATAL(parse_p7(c1, 3, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_both), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_both), 0);
    scep_ca_clear(&ca);

    /* Only an encryption RA: signatures come from the CA. */
    X509 *c2[] = {c_ca, c_enc};
    CU_ASSERT_EQUAL_FATAL(parse_p7(c2, 2, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_enc), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_ca), 0);
    scep_ca_clear(&ca);

    /* An RA without a keyUsage extension serves both. */
    X509 *c3[] = {c_noku, c_ca};
    CU_ASSERT_EQUAL_FATAL(parse_p7(c3, 2, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_noku), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_noku), 0);
    scep_ca_clear(&ca);

    /* An RA whose signature is not the CA's is ignored. */
    X509 *c4[] = {c_foreign, c_ca};
    CU_ASSERT_EQUAL_FATAL(parse_p7(c4, 2, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_ca), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_ca), 0);
    scep_ca_clear(&ca);
}

static void test_ca_intermediate(void)
{
    scep_ca ca;
    scep_error e;

    memset(&e, 0, sizeof e);
    X509 *c1[] = {c_root, c_ra2, c_inter};
    CU_ASSERT_EQUAL_FATAL(parse_p7(c1, 3, RA_CT, &ca, &e), SCEP_OK);
    CU_ASSERT_EQUAL(X509_cmp(ca.ca, c_inter), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.enc, c_ra2), 0);
    CU_ASSERT_EQUAL(X509_cmp(ca.sig, c_inter), 0);
    scep_ca_clear(&ca);

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
    CU_ASSERT_EQUAL(scep_ca_parse(der, (size_t)len, "Application/X-X509-CA-RA-Cert; x=y",
                                  &ca, &e), SCEP_OK);
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

/* ------------------------------------------------------------------------ */
/* HTTP transport against a one-connection server on 127.0.0.1             */
/* ------------------------------------------------------------------------ */

enum { SRV_REPLY, SRV_SILENT, SRV_FLOOD, SRV_BLURT };

typedef struct srv {
    int lfd, stop[2], mode, accepted;
    unsigned short port;
    pthread_t th;
    const char *reply;
    size_t reply_len, req_len;
    char req[65536];
} srv;

/* Wait for fd readable or the stop pipe; 1 = fd ready. */
static int srv_wait(srv *sv, int fd, int ms)
{
    struct pollfd p[2] = {{fd, POLLIN, 0}, {sv->stop[0], POLLIN, 0}};
    int n = poll(p, 2, ms);
    return n > 0 && (p[0].revents & (POLLIN | POLLHUP)) && !(p[1].revents & POLLIN);
}

static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read headers and a Content-Length body into sv->req. */
static void srv_read_request(srv *sv, int fd)
{
    size_t need = 0, room;
    char *eoh = NULL;

    while ((room = sizeof sv->req - 1 - sv->req_len) > 0 && srv_wait(sv, fd, 5000)) {
        ssize_t n = recv(fd, sv->req + sv->req_len, room, 0);
        if (n <= 0)
            break;
        sv->req_len += (size_t)n;
        sv->req[sv->req_len] = '\0';
        if (!eoh && (eoh = strstr(sv->req, "\r\n\r\n")) != NULL) {
            char *cl = strcasestr(sv->req, "\r\nContent-Length:");
            need = (size_t)(eoh + 4 - sv->req);
            if (cl && cl < eoh)
                need += strtoul(cl + 17, NULL, 10);
        }
        if (eoh && sv->req_len >= need)
            break;
    }
}

static void *srv_main(void *arg)
{
    srv *sv = arg;
    int fd;

    if (!srv_wait(sv, sv->lfd, 10000) || (fd = accept(sv->lfd, NULL, NULL)) < 0)
        return NULL;
    sv->accepted++;
    if (sv->mode != SRV_BLURT) /* BLURT answers at once (a TLS client waits) */
        srv_read_request(sv, fd);
    if (sv->mode == SRV_REPLY || sv->mode == SRV_BLURT) {
        send_all(fd, sv->reply, sv->reply_len);
    } else if (sv->mode == SRV_SILENT) {
        srv_wait(sv, fd, 10000); /* until the client gives up or the test stops */
    } else {
        static char chunk[65536];
        const char *h = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
        memset(chunk, 'A', sizeof chunk);
        if (send_all(fd, h, strlen(h)) == 0)
            for (int i = 0; i < 64 && send_all(fd, chunk, sizeof chunk) == 0; i++)
                ;
    }
    close(fd);
    return NULL;
}

/* A bound, listening (listen != 0) or closed-again socket on 127.0.0.1. */
static int loopback_socket(int listen_too, unsigned short *port)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (listen_too && listen(fd, 4) != 0) ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port nobody listens on (bound once, closed): connections are refused. */
static unsigned short closed_port(void)
{
    unsigned short port = 0;
    int fd = loopback_socket(0, &port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int srv_start(srv *sv, int mode, const char *reply, size_t reply_len)
{
    memset(sv, 0, sizeof *sv);
    sv->mode = mode;
    sv->reply = reply;
    sv->reply_len = reply_len ? reply_len : (reply ? strlen(reply) : 0);
    sv->lfd = loopback_socket(1, &sv->port);
    if (sv->lfd < 0 || pipe(sv->stop) != 0)
        return -1;
    return pthread_create(&sv->th, NULL, srv_main, sv) == 0 ? 0 : -1;
}

static void srv_stop(srv *sv)
{
    if (write(sv->stop[1], "x", 1) != 1)
        perror("write");
    pthread_join(sv->th, NULL);
    close(sv->stop[0]);
    close(sv->stop[1]);
    close(sv->lfd);
}

/* Replace "PORT" in s (in place) by port. */
static void subst_port(char *s, size_t size, unsigned short port)
{
    char *p = strstr(s, "PORT");
    char tail[512];
    if (!p)
        return;
    snprintf(tail, sizeof tail, "%s", p + 4);
    snprintf(p, size - (size_t)(p - s), "%u%s", port, tail);
}

/* One request: start a server (mode, reply), put its port into url ("PORT")
 * and s->proxy, run scep_http_curl with `cancel`, stop the server. */
static scep_rc xchg(srv *sv, int mode, const char *reply, size_t rlen, scep_settings *s,
                    const char *url, const scep_http_req *req, scep_http_resp *resp,
                    scep_error *e, volatile int *cancel)
{
    scep_rc rc;

    memset(e, 0, sizeof *e);
    if (srv_start(sv, mode, reply, rlen) != 0) {
        CU_FAIL("test server did not start");
        return SCEP_E_INTERNAL;
    }
    snprintf(s->url, sizeof s->url, "%s", url);
    subst_port(s->url, sizeof s->url, sv->port);
    subst_port(s->proxy, sizeof s->proxy, sv->port);
    if (!s->timeout)
        s->timeout = 5;
    rc = scep_http_curl((void *)cancel, s, req, resp, e);
    srv_stop(sv);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char CAPS_REPLY[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 60\r\n\r\n"
    "Renewal\nSHA-1\nSHA-256\nAES\nDES3\nSCEPStandard\nPOSTPKIOperation";
static const char *URL = "http://127.0.0.1:PORT/scep";
static const scep_http_req CAPS_REQ = {"GetCACaps", NULL, 0, NULL};

static void test_http_get_caps(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;

    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_OK);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(e.http_status, 200);
    CU_ASSERT_STRING_EQUAL(resp.content_type, "text/plain");
    CU_ASSERT_EQUAL(resp.body_len, 60);
    CU_ASSERT_EQUAL(scep_caps_parse((const char *)resp.body, resp.body_len),
                    SCEP_CAP_RENEWAL | SCEP_CAP_SHA1 | SCEP_CAP_SHA256 | SCEP_CAP_AES |
                        SCEP_CAP_DES3 | SCEP_CAP_SCEPSTANDARD | SCEP_CAP_POST);
    CU_ASSERT_EQUAL(strncmp(sv.req, "GET /scep?operation=GetCACaps HTTP/1.1\r\n", 40), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, "\r\nUser-Agent: scep-agentx/" PACKAGE_VERSION "\r\n"));
    scep_http_resp_free(&resp);
    CU_ASSERT_PTR_NULL(resp.body);
    CU_ASSERT_EQUAL(resp.body_len, 0);
    scep_http_resp_free(&resp); /* twice is harmless */
}

static void test_http_get_message(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_req req = {"PKIOperation", NULL, 0, "MIIB+ab/c=="};
    scep_http_resp resp;
    scep_error e;
    static const char r[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-pki-message\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n3\r\n\x30\x00\x01\r\n0\r\n\r\n";

    /* A URL that already has a query string gets "&operation=". */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, r, sizeof r - 1, &s,
                         "http://127.0.0.1:PORT/cgi-bin/pkiclient.exe?x=1", &req, &resp, &e,
                         NULL),
                    SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, "GET /cgi-bin/pkiclient.exe?x=1&operation=PKIOperation"
                                          "&message=MIIB%2Bab%2Fc%3D%3D HTTP/1.1\r\n"));
    CU_ASSERT_STRING_EQUAL(resp.content_type, "application/x-pki-message");
    CU_ASSERT_EQUAL(resp.body_len, 3);
    CU_ASSERT(resp.body && memcmp(resp.body, "\x30\x00\x01", 3) == 0);
    scep_http_resp_free(&resp);
}

static void test_http_post(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    unsigned char body[3000];
    scep_http_req req = {"PKIOperation", body, sizeof body, "ignored"};
    scep_http_resp resp;
    scep_error e;

    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (unsigned char)(i * 7);
    double t0 = now_s();
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0,
                         &s, URL, &req, &resp, &e, NULL),
                    SCEP_OK);
    CU_ASSERT(now_s() - t0 < 0.9); /* no "Expect: 100-continue" wait */
    CU_ASSERT_EQUAL(strncmp(sv.req, "POST /scep?operation=PKIOperation HTTP/1.1\r\n", 44), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, "\r\nContent-Type: application/x-pki-message\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, "\r\nContent-Length: 3000\r\n"));
    CU_ASSERT_PTR_NULL(strcasestr(sv.req, "Expect:"));
    char *eoh = strstr(sv.req, "\r\n\r\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(eoh);
    CU_ASSERT_EQUAL(sv.req_len - (size_t)(eoh + 4 - sv.req), sizeof body);
    CU_ASSERT_EQUAL(memcmp(eoh + 4, body, sizeof body), 0);
    CU_ASSERT_STRING_EQUAL(resp.content_type, ""); /* none sent */
    CU_ASSERT_EQUAL(resp.body_len, 2);
    scep_http_resp_free(&resp);
}

static void test_http_status_errors(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_req req = {"GetCACert", NULL, 0, NULL};
    scep_http_resp resp;
    scep_error e;
    char buf[128];
    const char *r404 = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
                       "Content-Length: 46\r\n\r\n<html><body>\n404 page not found\x01</body></html>";

    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, r404, 0, &s, "http://127.0.0.1:PORT/nope", &req,
                         &resp, &e, NULL),
                    SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.code, SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.http_status, 404);
    CU_ASSERT_EQUAL(resp.status, 404);
    CU_ASSERT_PTR_NULL(resp.body);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "HTTP status 404: 404 page not found"));
    CU_ASSERT_PTR_NULL(strchr(e.text, '\x01'));
    CU_ASSERT_PTR_NULL(strchr(e.text, '<'));
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&e, buf, sizeof buf),
                           "Communication error (TCP ERROR 404)");

    /* A redirect is an error, never followed (one connection only). */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY,
                         "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
                         "Content-Length: 0\r\n\r\n",
                         0, &s, URL, &req, &resp, &e, NULL),
                    SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.http_status, 302);
    CU_ASSERT_EQUAL(sv.accepted, 1);

    /* 500 with a long text body: the excerpt is bounded. */
    char big[600];
    int n = snprintf(big, sizeof big, "HTTP/1.1 500 Internal Server Error\r\n"
                                      "Content-Length: 400\r\n\r\n");
    memset(big + n, 'x', 400);
    big[n + 400] = '\0';
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, big, 0, &s, URL, &req, &resp, &e, NULL), SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.http_status, 500);
    CU_ASSERT(strlen(e.text) < 140);
}

static void test_http_closed_port(void)
{
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char buf[128];
    unsigned short port = closed_port();

    CU_ASSERT_NOT_EQUAL_FATAL(port, 0);
    memset(&e, 0, sizeof e);
    e.http_status = 404; /* stale from an earlier call: must be reset */
    snprintf(s.url, sizeof s.url, "http://127.0.0.1:%u/scep", port);
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &CAPS_REQ, &resp, &e), SCEP_E_TCP);
    CU_ASSERT_EQUAL(e.code, SCEP_E_TCP);
    CU_ASSERT_EQUAL(e.http_status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "GetCACaps"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "Failed to connect"));
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&e, buf, sizeof buf),
                           "Communication error (TCP ERROR)");
}

static void test_http_timeout(void)
{
    srv sv;
    scep_settings s = {.timeout = 1};
    scep_http_resp resp;
    scep_error e;

    double t0 = now_s();
    CU_ASSERT_EQUAL(xchg(&sv, SRV_SILENT, NULL, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_TIMEOUT);
    double dt = now_s() - t0;
    CU_ASSERT(dt >= 0.9 && dt < 2.5);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "timed out after 1 s"));
    CU_ASSERT_EQUAL(sv.accepted, 1);
}

static void test_http_too_large(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;

    /* No Content-Length: stopped by the write callback. */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_FLOOD, NULL, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "too large"));
    CU_ASSERT_PTR_NULL(resp.body);

    /* An announced Content-Length over the cap. */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\nxx",
                         0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "too large"));
}

static void *set_flag_later(void *arg)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    *(volatile int *)arg = 1;
    return NULL;
}

static void test_http_cancel(void)
{
    srv sv;
    scep_settings s = {.timeout = 10};
    scep_http_resp resp;
    scep_error e;
    volatile int cancel = 1;
    pthread_t th;

    /* Already set: nothing is sent. */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, URL, &CAPS_REQ, &resp, &e, &cancel),
                    SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(sv.accepted, 0);

    /* Set while the server keeps us waiting (timeout 10 s). */
    cancel = 0;
    pthread_create(&th, NULL, set_flag_later, (void *)&cancel);
    double t0 = now_s();
    CU_ASSERT_EQUAL(xchg(&sv, SRV_SILENT, NULL, 0, &s, URL, &CAPS_REQ, &resp, &e, &cancel),
                    SCEP_E_CANCELLED);
    double dt = now_s() - t0;
    pthread_join(th, NULL);
    CU_ASSERT(dt < 2.5);
    CU_ASSERT_EQUAL(e.code, SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(sv.accepted, 1);
}

static void test_http_bad_url(void)
{
    scep_settings s;
    scep_http_req req = CAPS_REQ;
    scep_http_resp resp;
    scep_error e;
    const char *urls[] = {"ftp://127.0.0.1/scep", "file:///etc/passwd", "127.0.0.1/scep",
                          "gopher://127.0.0.1/", "", "http://[::1/scep"};

    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        memset(&e, 0, sizeof e);
        memset(&s, 0, sizeof s);
        snprintf(s.url, sizeof s.url, "%s", urls[i]);
        s.timeout = 2;
        CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &req, &resp, &e), SCEP_E_BAD_URL);
        CU_ASSERT_EQUAL(e.code, SCEP_E_BAD_URL);
    }
    /* Invalid arguments. */
    req.operation = "Get CACaps";
    snprintf(s.url, sizeof s.url, "http://127.0.0.1/scep");
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &req, &resp, &e), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_http_curl(NULL, NULL, &CAPS_REQ, &resp, &e), SCEP_E_INVALID);
}

static void test_http_port_override(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char url[64], host[64];

    /* The URL names a closed port; s.port wins. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/scep", closed_port());
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(srv_start(&sv, SRV_REPLY, CAPS_REPLY, 0), 0);
    snprintf(s.url, sizeof s.url, "%s", url);
    s.port = sv.port;
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &CAPS_REQ, &resp, &e), SCEP_OK);
    srv_stop(&sv);
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%u\r\n", sv.port);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, host));
    scep_http_resp_free(&resp);

    /* The URL without a port (80), overridden. */
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(srv_start(&sv, SRV_REPLY, CAPS_REPLY, 0), 0);
    snprintf(s.url, sizeof s.url, "http://127.0.0.1/scep");
    s.port = sv.port;
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &CAPS_REQ, &resp, &e), SCEP_OK);
    srv_stop(&sv);
    CU_ASSERT_EQUAL(sv.accepted, 1);
    scep_http_resp_free(&resp);
}

static void test_http_proxy(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char env[64];

    /* A proxy in the environment is ignored (only the configuration counts). */
    snprintf(env, sizeof env, "http://127.0.0.1:%u", closed_port());
    setenv("http_proxy", env, 1);
    setenv("ALL_PROXY", env, 1);
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_OK);
    scep_http_resp_free(&resp);
    unsetenv("http_proxy");
    unsetenv("ALL_PROXY");

    /* A configured proxy gets the absolute URL. */
    snprintf(s.proxy, sizeof s.proxy, "http://127.0.0.1:PORT");
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, "http://scep.invalid/scep",
                         &CAPS_REQ, &resp, &e, NULL),
                    SCEP_OK);
    CU_ASSERT_EQUAL(strncmp(sv.req, "GET http://scep.invalid/scep?operation=GetCACaps ", 49), 0);
    scep_http_resp_free(&resp);
}

/* `openssl s_server -www` on 127.0.0.1 with a self-signed certificate for IP
 * 127.0.0.1 (key and cert written to dir). The pid, or -1. */
static pid_t tls_server(const char *dir, char *cert, size_t n, unsigned short *port)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = mkcert("127.0.0.1", k, NULL, NULL, "critical,CA:TRUE", NULL);
    X509V3_CTX v3;
    char key[512], acc[32];
    FILE *f;
    pid_t pid = -1;

    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, k, EVP_sha256());
    snprintf(cert, n, "%s/server.crt", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    if ((f = fopen(cert, "w")) != NULL) {
        PEM_write_X509(f, x);
        fclose(f);
    }
    if ((f = fopen(key, "w")) != NULL) {
        PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
        fclose(f);
    }
    X509_free(x);
    EVP_PKEY_free(k);
    for (int attempt = 0; attempt < 5 && pid < 0; attempt++) {
        *port = closed_port();
        snprintf(acc, sizeof acc, "127.0.0.1:%u", *port);
        pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", O_RDWR);
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", acc, "-cert",
                   cert, "-key", key, (char *)NULL);
            _exit(127);
        }
        for (int i = 0; pid > 0 && i < 250; i++) { /* up to 5 s to listen */
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(*port)};
            struct timespec ts = {0, 20 * 1000 * 1000};
            int fd = socket(AF_INET, SOCK_STREAM, 0), up;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            up = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
            close(fd);
            if (up)
                return pid;
            if (waitpid(pid, NULL, WNOHANG) == pid) /* died (port taken?) */
                pid = -1;
            nanosleep(&ts, NULL);
        }
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
            pid = -1;
        }
    }
    return -1;
}

static scep_rc https_get(scep_settings *s, const char *host, unsigned short port,
                         scep_http_resp *resp, scep_error *e)
{
    memset(e, 0, sizeof *e);
    snprintf(s->url, sizeof s->url, "https://%s:%u/", host, port);
    return scep_http_curl(NULL, s, &CAPS_REQ, resp, e);
}

static void test_http_https(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char *dir = tu_mkdtemp("https");
    char cert[512];
    unsigned short port;
    FILE *f;

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    pid_t pid = tls_server(dir, cert, sizeof cert, &port);
    CU_ASSERT_FATAL(pid > 0);

    /* Trusted through the configured bundle ("-www" answers any GET /). */
    snprintf(s.cacert_bundle, sizeof s.cacert_bundle, "%s", cert);
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_OK);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT(resp.body_len > 0);
    scep_http_resp_free(&resp);

    /* Host name not in the certificate. */
    CU_ASSERT_EQUAL(https_get(&s, "localhost", port, &resp, &e), SCEP_E_TLS_VERIFY);

    /* System store (no bundle): a self-signed certificate is not trusted. */
    s.cacert_bundle[0] = '\0';
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "not trusted"));
    CU_ASSERT_PTR_NULL(resp.body);

    /* A bundle holding only an unrelated CA. */
    EVP_PKEY *uk = EVP_EC_gen("P-256");
    X509 *u = mkcert("Unrelated CA", uk, NULL, NULL, "critical,CA:TRUE", NULL);
    snprintf(s.cacert_bundle, sizeof s.cacert_bundle, "%s/other.pem", dir);
    if ((f = fopen(s.cacert_bundle, "w")) != NULL) {
        PEM_write_X509(f, u);
        fclose(f);
    }
    X509_free(u);
    EVP_PKEY_free(uk);
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_E_TLS_VERIFY);

    /* A missing bundle file. */
    snprintf(s.cacert_bundle, sizeof s.cacert_bundle, "%s/missing.pem", dir);
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "CA bundle"));
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    /* A plain-HTTP server spoken to with https: a handshake failure is a
     * communication error, not a trust verdict. */
    s.cacert_bundle[0] = '\0';
    CU_ASSERT_EQUAL(xchg(&sv, SRV_BLURT, CAPS_REPLY, 0, &s, "https://127.0.0.1:PORT/scep",
                         &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_TCP);
    tu_rmtree(dir);
    free(dir);
}

static int http_init(void)
{
    return scep_global_init() == SCEP_OK ? 0 : 1;
}

static int http_cleanup(void)
{
    scep_global_cleanup();
    scep_global_cleanup(); /* harmless twice */
    return 0;
}

static void test_http_global_init(void)
{
    /* Idempotent: the suite init already ran it. */
    CU_ASSERT_EQUAL(scep_global_init(), SCEP_OK);
    CU_ASSERT_EQUAL(scep_global_init(), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(scep_libctx());
}

static const tu_case http_cases[] = {
    {"http: global init idempotent", test_http_global_init},
    {"http: GET GetCACaps", test_http_get_caps},
    {"http: GET PKIOperation message escaping", test_http_get_message},
    {"http: POST body and content type", test_http_post},
    {"http: 404, redirect, 500", test_http_status_errors},
    {"http: closed port", test_http_closed_port},
    {"http: timeout", test_http_timeout},
    {"http: response too large", test_http_too_large},
    {"http: cancel flag", test_http_cancel},
    {"http: non-http URL refused", test_http_bad_url},
    {"http: port override", test_http_port_override},
    {"http: proxy from config only", test_http_proxy},
    {"http: https verification", test_http_https},
    {NULL, NULL},
};

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
    int rc3 = tu_run_fixture("http", http_cases, http_init, http_cleanup);
    return rc ? rc : rc2 ? rc2 : rc3;
}
