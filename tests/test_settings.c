/* test_settings.c - settings and parameter checks (S1-S3, X6, M1-M7), atomic
 * files, the clock and randomness seams. */
#include "config.h"

#include "scep-int.h"
#include "testutil.h"

#include <errno.h>
#include <openssl/err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define URL_OK(u)  CU_ASSERT_EQUAL(scep_check_url((u), strlen(u), NULL), SCEP_OK)
#define URL_BAD(u) CU_ASSERT_EQUAL(scep_check_url((u), strlen(u), NULL), SCEP_E_BAD_URL)

static void test_url(void)
{
    scep_error e;
    char big[300];

    URL_OK("http://127.0.0.1/scep");
    URL_OK("https://ca.example.com/scep/pkiclient.exe");
    URL_OK("HTTP://ca.example.com:8080/scep");
    URL_OK("HtTpS://ca");
    URL_OK("http://[::1]:8080/scep");
    URL_OK("http://[2001:db8::1]/scep");
    URL_OK("http://127.0.0.1:65535/scep?x=1");
    URL_OK("http://ca.example.com./scep");

    URL_BAD("");
    URL_BAD("ftp://ca.example.com/scep");
    URL_BAD("file:///etc/passwd");
    URL_BAD("http://");
    URL_BAD("https://");
    URL_BAD("http:///scep");
    URL_BAD("http://:80/scep");
    URL_BAD("ca.example.com/scep");
    URL_BAD("http://ca example.com/scep");
    URL_BAD("http://ca.example.com/sc ep");
    URL_BAD(" http://ca.example.com/scep");
    URL_BAD("http://ca.example.com/scep\n");
    URL_BAD("http://ca.example.com\t/scep");
    URL_BAD("http://ca.example.com:0/scep");
    URL_BAD("http://ca.example.com:65536/scep");
    URL_BAD("http://ca.example.com:/scep");
    URL_BAD("http://ca.example.com:8a/scep");
    URL_BAD("http://ca.example.com:-1/scep");
    URL_BAD("http://[::1/scep");
    URL_BAD("http://[zz::1]/scep");
    URL_BAD("http://[::1]x/scep");
    URL_BAD("http://user:pw@ca.example.com/scep");
    URL_BAD("http://ca..example.com/scep");
    URL_BAD("http://ca.example.com/\xc3\xa9");
    URL_BAD("http://ca.example.com/scep#frag"); /* would eat ?operation= */
    URL_BAD("http://ca.example.com#x");

    /* embedded NUL with an explicit length */
    CU_ASSERT_EQUAL(scep_check_url("http://a\0b/", 11, NULL), SCEP_E_BAD_URL);
    /* the length is honoured: a prefix of a longer buffer */
    CU_ASSERT_EQUAL(scep_check_url("http://ca/scep GARBAGE", 14, NULL), SCEP_OK);

    /* 255 ok, 256 too long */
    memset(big, 'a', sizeof big);
    memcpy(big, "http://h/", 9);
    CU_ASSERT_EQUAL(scep_check_url(big, 255, NULL), SCEP_OK);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_check_url(big, 256, &e), SCEP_E_BAD_URL);
    CU_ASSERT_EQUAL(e.code, SCEP_E_BAD_URL);
    CU_ASSERT(e.text[0] != '\0');
}

static void test_port_timeout(void)
{
    CU_ASSERT_EQUAL(scep_check_port(0, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_port(65535, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_port(-1, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_port(65536, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_timeout(1, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_timeout(300, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_timeout(0, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_timeout(301, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_timeout(-5, NULL), SCEP_E_INVALID);
}

static const char FPR[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char FPR_COLON[] = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";

static void test_fingerprint(void)
{
    char out[SCEP_FPR_HEX_LEN + 1];
    char upper[65], bad[65];

    CU_ASSERT_EQUAL(scep_check_fingerprint("", 0, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_fingerprint(FPR, strlen(FPR), NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_fingerprint(FPR_COLON, strlen(FPR_COLON), NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_normalize_fpr(FPR_COLON, strlen(FPR_COLON), out), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(out, FPR);

    for (int i = 0; i < 64; i++)
        upper[i] = (char)((FPR[i] >= 'a') ? FPR[i] - 32 : FPR[i]);
    upper[64] = '\0';
    CU_ASSERT_EQUAL(scep_normalize_fpr(upper, 64, out), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(out, FPR);

    CU_ASSERT_EQUAL(scep_normalize_fpr("", 0, out), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(out, "");

    /* 63 / 65 digits, non-hex, misplaced colons, a trailing colon */
    CU_ASSERT_EQUAL(scep_check_fingerprint(FPR, 63, NULL), SCEP_E_INVALID);
    char longer[66];
    snprintf(longer, sizeof longer, "%s0", FPR);
    CU_ASSERT_EQUAL(scep_check_fingerprint(longer, 65, NULL), SCEP_E_INVALID);
    memcpy(bad, FPR, sizeof bad);
    bad[10] = 'g';
    CU_ASSERT_EQUAL(scep_check_fingerprint(bad, 64, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_normalize_fpr(bad, 64, out), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_fingerprint(FPR_COLON, strlen(FPR_COLON) - 1, NULL),
                    SCEP_E_INVALID);
    char shifted[sizeof FPR_COLON];
    memcpy(shifted, FPR_COLON, sizeof shifted);
    shifted[2] = '0';
    shifted[3] = ':'; /* "000:1:..." keeps the length, breaks the pairs */
    CU_ASSERT_EQUAL(scep_check_fingerprint(shifted, strlen(shifted), NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_fingerprint("sha256:00", 9, NULL), SCEP_E_INVALID);
    char nul[65];
    memcpy(nul, FPR, sizeof nul);
    nul[20] = '\0'; /* a NUL within the length */
    CU_ASSERT_EQUAL(scep_normalize_fpr(nul, 64, out), SCEP_E_INVALID);
    CU_ASSERT_STRING_EQUAL(out, "");
    memcpy(shifted, FPR_COLON, sizeof shifted);
    shifted[0] = ':'; /* a colon where a digit belongs: "::0:22..." */
    shifted[1] = '0';
    CU_ASSERT_EQUAL(scep_normalize_fpr(shifted, strlen(shifted), out), SCEP_E_INVALID);
}

/* Issue 11: log lines carry ISO 8601 UTC times and a server's host only. */
static void test_log_forms(void)
{
    char buf[64];
    CU_ASSERT_STRING_EQUAL(scep_time_iso(1796484107, buf, sizeof buf),
                           "2026-12-05T15:21:47Z");
    CU_ASSERT_STRING_EQUAL(scep_time_iso(0, buf, sizeof buf), "-");
    CU_ASSERT_STRING_EQUAL(scep_time_iso(951782400, buf, sizeof buf),
                           "2000-02-29T00:00:00Z");
    CU_ASSERT_STRING_EQUAL(
        scep_url_host("http://ca.example.com:8080/scep", buf, sizeof buf),
        "ca.example.com:8080");
    CU_ASSERT_STRING_EQUAL(
        scep_url_host("https://user:s3cret@ca.example.com/scep/pkiclient.exe", buf,
                      sizeof buf),
        "ca.example.com");
    CU_ASSERT_STRING_EQUAL(scep_url_host("http://[::1]:8080?x=1", buf, sizeof buf),
                           "[::1]:8080");
    CU_ASSERT_STRING_EQUAL(scep_url_host("", buf, sizeof buf), "?");
    CU_ASSERT_STRING_EQUAL(scep_url_host("http://u:p@/x", buf, sizeof buf), "?");
}

static void test_hex(void)
{
    static const unsigned char b[] = {0x00, 0xab, 0x7f, 0xff};
    char out[16];
    CU_ASSERT_EQUAL(scep_hex(b, 4, 0, 0, out, sizeof out), 8);
    CU_ASSERT_STRING_EQUAL(out, "00ab7fff");
    CU_ASSERT_EQUAL(scep_hex(b, 4, ':', 1, out, sizeof out), 11);
    CU_ASSERT_STRING_EQUAL(out, "00:AB:7F:FF");
    /* cut at whole bytes */
    CU_ASSERT_EQUAL(scep_hex(b, 4, ':', 1, out, 11), 8);
    CU_ASSERT_STRING_EQUAL(out, "00:AB:7F");
    CU_ASSERT_EQUAL(scep_hex(b, 4, ':', 1, out, 3), 2);
    CU_ASSERT_STRING_EQUAL(out, "00");
    CU_ASSERT_EQUAL(scep_hex(b, 4, 0, 0, out, 8), 6);
    CU_ASSERT_STRING_EQUAL(out, "00ab7f");
    CU_ASSERT_EQUAL(scep_hex(b, 4, 0, 0, out, 2), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(scep_hex(b, 0, ':', 0, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    out[0] = 'x';
    CU_ASSERT_EQUAL(scep_hex(b, 4, 0, 0, out, 0), 0);
    CU_ASSERT_EQUAL(out[0], 'x'); /* nothing written */

    unsigned char buf[4];
    size_t n = 99;
    CU_ASSERT_EQUAL(scep_unhex("00aB7Ff", 0, buf, sizeof buf, &n),
                    SCEP_E_INVALID); /* odd */
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(scep_unhex("00aB7FfF", 0, buf, sizeof buf, &n), SCEP_OK);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(memcmp(buf, b, 4), 0);
    CU_ASSERT_EQUAL(scep_unhex("00:ab:7f:ff", ':', buf, sizeof buf, &n), SCEP_OK);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(memcmp(buf, b, 4), 0);
    CU_ASSERT_EQUAL(scep_unhex("00:ab", 0, buf, sizeof buf, &n), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_unhex("0g", 0, buf, sizeof buf, &n), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_unhex("0011223344", 0, buf, sizeof buf, &n), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_unhex("", 0, buf, sizeof buf, &n), SCEP_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(ERR_peek_error(), 0); /* no OpenSSL error left behind */
}

static void test_settings_validate(void)
{
    scep_settings s;
    scep_error e;

    scep_settings_init(&s);
    CU_ASSERT_EQUAL(s.timeout, SCEP_TIMEOUT_DEFAULT);
    CU_ASSERT_EQUAL(s.port, 0);
    CU_ASSERT_STRING_EQUAL(s.url, "");
    /* not configured yet */
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_E_BAD_URL);
    snprintf(s.url, sizeof s.url, "http://127.0.0.1:8080/scep");
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_OK);
    snprintf(s.ca_pin, sizeof s.ca_pin, "%s", FPR);
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_OK);
    s.ca_pin[5] = 'x';
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_settings_validate(&s, &e), SCEP_E_INVALID);
    CU_ASSERT(strstr(e.text, "pin") != NULL);
    s.ca_pin[0] = '\0';
    s.timeout = 0;
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_E_INVALID);
    s.timeout = 30;
    s.port = 70000;
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_E_INVALID);
    s.port = 443;
    snprintf(s.proxy, sizeof s.proxy, "proxy.example:3128");
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_OK);
    snprintf(s.proxy, sizeof s.proxy, "proxy\n:3128");
    CU_ASSERT_EQUAL(scep_settings_validate(&s, NULL), SCEP_E_INVALID);
}

/* ---- M1-M7 ---- */
#define NAME_OK(n)  CU_ASSERT_EQUAL(scep_check_name((n), strlen(n), NULL), SCEP_OK)
#define NAME_BAD(n) CU_ASSERT_EQUAL(scep_check_name((n), strlen(n), NULL), SCEP_E_NAME)
#define CN_OK(n)    CU_ASSERT_EQUAL(scep_check_cn((n), strlen(n), NULL), SCEP_OK)
#define CN_BAD(n)   CU_ASSERT_EQUAL(scep_check_cn((n), strlen(n), NULL), SCEP_E_INVALID)

static void test_name(void)
{
    NAME_OK("a");
    NAME_OK("web-tls_01.key");
    NAME_OK("A.b");
    NAME_OK("12345678901234567890123456789012"); /* 32 */
    NAME_BAD("");
    NAME_BAD("123456789012345678901234567890123"); /* 33 */
    NAME_BAD(".hidden");
    NAME_BAD("..");
    NAME_BAD("a/b");
    NAME_BAD("a b");
    NAME_BAD("caf\xc3\xa9");
    CU_ASSERT_EQUAL(scep_check_name("a\0b", 3, NULL), SCEP_E_NAME);
}

static void test_cn(void)
{
    CN_OK("192.0.2.10");
    CN_OK("2001:db8::10");
    CN_OK("::1");
    CN_OK("host");
    CN_OK("printer-01.example.com");
    CN_OK("a.b.c.d.e.f");
    CN_OK("1host.example.com");
    CN_BAD("");
    CN_BAD("host.example.com.");
    CN_BAD("-host.example.com");
    CN_BAD("host-.example.com");
    CN_BAD("host..example.com");
    CN_BAD(".example.com");
    CN_BAD("under_score.example.com");
    CN_BAD("host name");
    CN_BAD("10.0.0.300");
    CN_BAD("1.2.3");
    CN_BAD("[::1]");
    CN_BAD("2001:db8::zz");
    char label[80];
    memset(label, 'a', sizeof label);
    label[63] = '\0';
    CN_OK(label); /* a 63-character label */
    label[63] = 'a';
    label[64] = '\0';
    CN_BAD(label); /* a 64-character label (the CN length itself is fine) */
    char longcn[70];
    memset(longcn, 'a', sizeof longcn);
    for (int i = 10; i < 65; i += 10)
        longcn[i] = '.';
    longcn[64] = '\0';
    CN_OK(longcn); /* 64 */
    longcn[64] = 'a';
    longcn[65] = '\0';
    CN_BAD(longcn); /* 65 */
}

static void test_bits_enums(void)
{
    CU_ASSERT_EQUAL(scep_check_bits(1024, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_bits(2048, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_bits(3072, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_bits(4096, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_check_bits(512, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_bits(2047, NULL), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_check_bits(8192, NULL), SCEP_E_INVALID);

    CU_ASSERT_STRING_EQUAL(scep_hash_name(SCEP_HASH_SHA1), "sha1");
    CU_ASSERT_STRING_EQUAL(scep_hash_name(SCEP_HASH_SHA512), "sha512");
    for (int h = SCEP_HASH_SHA1; h <= SCEP_HASH_SHA512; h++)
        CU_ASSERT_EQUAL(scep_hash_from_name(scep_hash_name((scep_hash)h)), h);
    CU_ASSERT_EQUAL(scep_hash_from_name("SHA384"), SCEP_HASH_SHA384);
    CU_ASSERT_EQUAL(scep_hash_from_name("md5"), -1);
    CU_ASSERT_EQUAL(scep_hash_from_name(NULL), -1);
    for (int u = SCEP_USAGE_NONE; u <= SCEP_USAGE_DOT1X; u++)
        CU_ASSERT_EQUAL(scep_usage_from_name(scep_usage_name((scep_usage)u)), u);
    CU_ASSERT_STRING_EQUAL(scep_usage_name(SCEP_USAGE_DOT1X), "dot1x");
    CU_ASSERT_EQUAL(scep_usage_from_name("ipsec"), SCEP_USAGE_IPSEC);
    CU_ASSERT_EQUAL(scep_usage_from_name("smtp"), -1);
}

static void test_params_validate(void)
{
    static const char *const policies[] = {"vpn-site-a", "vpn-site-b", NULL};
    scep_params p;
    scep_error e;

    scep_params_init(&p);
    CU_ASSERT_EQUAL(p.hash, SCEP_HASH_SHA256);
    CU_ASSERT_EQUAL(p.bits, 2048);
    CU_ASSERT_EQUAL(p.usage, SCEP_USAGE_NONE);
    /* name and CN are required */
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_NAME);
    snprintf(p.name, sizeof p.name, "web");
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);
    snprintf(p.cn, sizeof p.cn, "host.example.com");
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_OK);

    p.bits = 1000;
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);
    p.bits = 4096;
    p.hash = (scep_hash)9;
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);
    p.hash = SCEP_HASH_SHA1;
    snprintf(p.org, sizeof p.org, "Example Org, Inc.");
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_OK);
    snprintf(p.org, sizeof p.org, "bad\tone");
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);
    p.org[0] = '\0';

    /* the challenge never shows in an error text */
    snprintf(p.challenge, sizeof p.challenge, "s3cr3t-challenge");
    p.usage = SCEP_USAGE_IPSEC;
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_params_validate(&p, policies, &e), SCEP_E_INVALID);
    CU_ASSERT(strstr(e.text, "s3cr3t") == NULL);
    snprintf(p.ipsec_policy, sizeof p.ipsec_policy, "vpn-site-b");
    CU_ASSERT_EQUAL(scep_params_validate(&p, policies, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_OK);
    snprintf(p.ipsec_policy, sizeof p.ipsec_policy, "vpn-site-c");
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_params_validate(&p, policies, &e), SCEP_E_INVALID);
    CU_ASSERT(strstr(e.text, "vpn-site-c") != NULL);
    CU_ASSERT(strstr(e.text, "s3cr3t") == NULL);
    /* a policy without usage ipsec */
    p.usage = SCEP_USAGE_TLS;
    CU_ASSERT_EQUAL(scep_params_validate(&p, policies, NULL), SCEP_E_INVALID);
    p.ipsec_policy[0] = '\0';
    CU_ASSERT_EQUAL(scep_params_validate(&p, policies, NULL), SCEP_OK);
    p.usage = (scep_usage)0;
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);
    p.usage = (scep_usage)5;
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);
    p.usage = SCEP_USAGE_DOT1X;
    /* an unterminated challenge (256 bytes) */
    memset(p.challenge, 'c', sizeof p.challenge);
    CU_ASSERT_EQUAL(scep_params_validate(&p, NULL, NULL), SCEP_E_INVALID);

    scep_params_wipe(&p);
    for (size_t i = 0; i < sizeof p.challenge; i++)
        CU_ASSERT_EQUAL_FATAL(p.challenge[i], 0);
    CU_ASSERT_STRING_EQUAL(p.name, "web"); /* only the secret is wiped */
}

/* ---- files ---- */
static void test_atomic_write(void)
{
    char *dir = tu_mkdtemp("files");
    char path[PATH_MAX], bad[PATH_MAX];
    struct stat st;
    char *data = NULL;
    size_t len = 0;
    scep_error e;

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(path, sizeof path, "%s/key.pem", dir);
    CU_ASSERT_EQUAL(scep_write_file_atomic(path, "first\n", 6, 0600, NULL), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
    CU_ASSERT_EQUAL(st.st_size, 6);

    /* replace, with another mode; no temp left behind */
    CU_ASSERT_EQUAL(scep_write_file_atomic(path, "second", 6, 0644, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
    CU_ASSERT_EQUAL(tu_count_entries(dir), 1);
    CU_ASSERT_EQUAL(scep_read_file(path, &data, &len, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(len, 6);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    CU_ASSERT_STRING_EQUAL(data, "second");
    free(data);

    /* empty file */
    CU_ASSERT_EQUAL(scep_write_file_atomic(path, "", 0, 0600, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_read_file(path, &data, &len, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_STRING_EQUAL(data, "");
    free(data);

    /* a bigger file with binary content */
    size_t big = 200000;
    unsigned char *buf = malloc(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    for (size_t i = 0; i < big; i++)
        buf[i] = (unsigned char)(i * 7);
    CU_ASSERT_EQUAL(scep_write_file_atomic(path, buf, big, 0600, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_read_file(path, &data, &len, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(len, big);
    CU_ASSERT(data && memcmp(data, buf, big) == 0);
    CU_ASSERT(data && data[big] == '\0');
    free(data);
    free(buf);

    /* missing directory: error with the path, nothing created */
    snprintf(bad, sizeof bad, "%s/nodir/key.pem", dir);
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_write_file_atomic(bad, "x", 1, 0600, &e), SCEP_E_IO);
    CU_ASSERT_EQUAL(e.code, SCEP_E_IO);
    CU_ASSERT(strstr(e.text, "nodir") != NULL);
    CU_ASSERT(strstr(e.text, strerror(ENOENT)) != NULL);
    CU_ASSERT_EQUAL(tu_count_entries(dir), 1);

    /* rename onto a directory fails after the temp was written: it is removed */
    snprintf(bad, sizeof bad, "%s/sub", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(bad, 0700), 0);
    snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "/inner");
    CU_ASSERT_EQUAL_FATAL(mkdir(bad, 0700), 0);
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CU_ASSERT_EQUAL(scep_write_file_atomic(bad, "x", 1, 0600, &e), SCEP_E_IO);
    CU_ASSERT_EQUAL(tu_count_entries(sub), 1); /* only "inner" */

    /* reading */
    snprintf(bad, sizeof bad, "%s/missing", dir);
    CU_ASSERT_EQUAL(scep_read_file(bad, &data, &len, &e), SCEP_E_NOT_FOUND);
    CU_ASSERT_PTR_NULL(data);
    CU_ASSERT_EQUAL(scep_read_file(dir, &data, &len, &e), SCEP_E_IO);
    CU_ASSERT_PTR_NULL(data);
    CU_ASSERT_EQUAL(scep_fsync_dir(dir, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_fsync_dir(bad, NULL), SCEP_E_IO);

    tu_rmtree(dir);
    free(dir);
}

/* ---- clock and randomness ---- */
static time_t fake_clock(void *ctx)
{
    return *(time_t *)ctx;
}

static void test_clock(void)
{
    time_t t = 1700000000;
    time_t real = time(NULL);

    scep_set_clock(fake_clock, &t);
    CU_ASSERT_EQUAL(scep_now(), 1700000000);
    t += 600;
    CU_ASSERT_EQUAL(scep_now(), 1700000600);
    scep_set_clock(NULL, NULL);
    CU_ASSERT(scep_now() >= real && scep_now() < real + 60);
}

/* xorshift64*, seeded: reproducible draws */
static int seeded_rand(void *ctx, unsigned char *buf, size_t n)
{
    uint64_t *s = ctx;

    for (size_t i = 0; i < n; i++) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        buf[i] = (unsigned char)((*s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

static int const_rand(void *ctx, unsigned char *buf, size_t n)
{
    memset(buf, *(int *)ctx, n);
    return 0;
}

static int failing_rand(void *ctx, unsigned char *buf, size_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
    return -1;
}

static void test_random(void)
{
    uint64_t seed = 42, seed2 = 42;
    unsigned char a[32], b[32];
    unsigned hist[600] = {0};
    int zero = 0;

    scep_set_rand(seeded_rand, &seed);
    CU_ASSERT_EQUAL(scep_random(a, sizeof a), 0);
    scep_set_rand(seeded_rand, &seed2);
    CU_ASSERT_EQUAL(scep_random(b, sizeof b), 0);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0); /* same seed, same bytes */

    /* A2 jitter range: 1..600, every value reachable, bounds respected */
    int out_of_range = 0;
    for (int i = 0; i < 200000; i++) {
        uint32_t v = scep_random_range(1, 600);

        if (v < 1 || v > 600)
            out_of_range++;
        else
            hist[v - 1]++;
    }
    CU_ASSERT_EQUAL(out_of_range, 0);
    unsigned minc = UINT_MAX, maxc = 0;
    for (int i = 0; i < 600; i++) {
        if (hist[i] < minc)
            minc = hist[i];
        if (hist[i] > maxc)
            maxc = hist[i];
    }
    /* expected 333 each; a uniform draw stays well inside this band */
    CU_ASSERT(minc > 230);
    CU_ASSERT(maxc < 450);

    CU_ASSERT_EQUAL(scep_random_range(7, 7), 7);
    unsigned seen01[2] = {0, 0};
    for (int i = 0; i < 1000; i++) {
        uint32_t v = scep_random_range(0, 1);
        if (v <= 1)
            seen01[v]++;
        else
            out_of_range++;
        v = scep_random_range(UINT32_MAX - 1, UINT32_MAX);
        if (v < UINT32_MAX - 1)
            out_of_range++;
        v = scep_random_range(10, 5); /* swapped */
        if (v < 5 || v > 10)
            out_of_range++;
    }
    CU_ASSERT_EQUAL(out_of_range, 0);
    CU_ASSERT(seen01[0] > 400 && seen01[1] > 400);
    (void)scep_random_range(0, UINT32_MAX);

    /* a constant source in the rejected zone does not hang */
    scep_set_rand(const_rand, &zero);
    CU_ASSERT(scep_random_range(0, 0x80000000u) <= 0x80000000u);
    scep_set_rand(failing_rand, NULL);
    CU_ASSERT_EQUAL(scep_random(a, 4), -1);
    CU_ASSERT_EQUAL(scep_random_range(3, 9), 3);

    /* back to RAND_bytes: two draws differ */
    scep_set_rand(NULL, NULL);
    CU_ASSERT_EQUAL(scep_random(a, sizeof a), 0);
    CU_ASSERT_EQUAL(scep_random(b, sizeof b), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof a), 0);
}

int main(void)
{
    return tu_run("settings", (tu_case[]){{"url", test_url},
                                          {"port and timeout", test_port_timeout},
                                          {"fingerprint", test_fingerprint},
                                          {"hex", test_hex},
                                          {"settings validate", test_settings_validate},
                                          {"key name", test_name},
                                          {"common name", test_cn},
                                          {"bits and enum names", test_bits_enums},
                                          {"params validate", test_params_validate},
                                          {"atomic write", test_atomic_write},
                                          {"clock", test_clock},
                                          {"log forms: ISO 8601, URL host", test_log_forms},
                                          {"random", test_random},
                                          {NULL, NULL}});
}
