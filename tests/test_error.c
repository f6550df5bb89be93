/* test_error.c - the error catalogue (T3, B7) and the log path. */
#include "config.h"

#include "scep-int.h"
#include "testutil.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

static void test_strerror_distinct(void)
{
    for (int a = 1; a < SCEP_E_LAST; a++) {
        const char *sa = scep_strerror((scep_rc)a);

        CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
        CU_ASSERT(strlen(sa) > 0);
        CU_ASSERT_STRING_NOT_EQUAL(sa, "Unknown error");
        for (int b = a + 1; b < SCEP_E_LAST; b++) {
            int same = strcmp(sa, scep_strerror((scep_rc)b)) == 0;
            int allowed = a == SCEP_E_TCP && b == SCEP_E_TIMEOUT;

            if (same != allowed)
                fprintf(stderr, "codes %d and %d: \"%s\"\n", a, b, sa);
            CU_ASSERT_EQUAL(same, allowed);
        }
    }
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_LAST), "Unknown error");
    CU_ASSERT_STRING_EQUAL(scep_strerror((scep_rc)999), "Unknown error");
}

static void test_names_distinct(void)
{
    for (int a = 0; a < SCEP_E_LAST; a++) {
        const char *na = scep_rc_name((scep_rc)a);

        CU_ASSERT(strlen(na) > 0);
        CU_ASSERT(strchr(na, ' ') == NULL);
        CU_ASSERT_STRING_NOT_EQUAL(na, "unknown");
        for (int b = a + 1; b < SCEP_E_LAST; b++)
            CU_ASSERT_STRING_NOT_EQUAL(na, scep_rc_name((scep_rc)b));
    }
    CU_ASSERT_STRING_EQUAL(scep_rc_name(SCEP_E_TCP), "tcp");
    CU_ASSERT_STRING_EQUAL(scep_rc_name(SCEP_E_FAILINFO_BADREQ), "failinfo-badRequest");
}

static void test_t3_strings(void)
{
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_PENDING), "Pending");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_KEYSTORE_FULL),
                           "Key and certificate registration limit");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_TCP), "Communication error (TCP ERROR)");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_TIMEOUT),
                           "Communication error (TCP ERROR)");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_HTTP),
                           "Communication error (TCP ERROR <HTTP status>)");
    for (int i = 0; i <= 4; i++) {
        char want[64];

        snprintf(want, sizeof want, "Communication error (SCEP ERROR Fail Info %d)", i);
        CU_ASSERT_STRING_EQUAL(scep_strerror((scep_rc)(SCEP_E_FAILINFO_BADALG + i)), want);
    }
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_CA_FINGERPRINT), "CA fingerprint mismatch");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_CA_CHANGED), "CA certificate changed");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_BAD_SIGNATURE),
                           "Response signature invalid");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_NONCE_MISMATCH), "Nonce mismatch");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_TRANSID_MISMATCH),
                           "Transaction ID mismatch");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_MALFORMED), "Malformed response");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_TLS_VERIFY), "TLS verification failed");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_KEYGEN), "Key generation failed");
    CU_ASSERT_STRING_EQUAL(scep_strerror(SCEP_E_COMMAND), "Restart command failed");
}

static void test_detail(void)
{
    scep_error e;
    char buf[128];

    scep_error_clear(&e);
    CU_ASSERT_EQUAL(e.code, SCEP_OK);
    CU_ASSERT_EQUAL(e.fail_info, -1);
    CU_ASSERT_EQUAL(e.http_status, 0);
    CU_ASSERT_STRING_EQUAL(e.text, "");

    e.http_status = 404;
    CU_ASSERT_EQUAL(scep_error_set(&e, SCEP_E_HTTP, "GET %s", "/scep"), SCEP_E_HTTP);
    CU_ASSERT_PTR_EQUAL(scep_error_detail(&e, buf, sizeof buf), buf);
    CU_ASSERT_STRING_EQUAL(buf, "Communication error (TCP ERROR 404)");
    CU_ASSERT_STRING_EQUAL(e.text, "GET /scep");

    /* HTTP without a status falls back to the fixed text */
    e.http_status = 0;
    scep_error_detail(&e, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Communication error (TCP ERROR <HTTP status>)");

    scep_error_clear(&e);
    e.fail_info = 2;
    scep_error_set(&e, SCEP_E_FAILINFO_BADREQ, "failInfoText: %s", "bad challenge");
    scep_error_detail(&e, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Communication error (SCEP ERROR Fail Info 2)");

    /* a FAILURE with no failInfo keeps its own text; with one, the number */
    scep_error_clear(&e);
    scep_error_set(&e, SCEP_E_FAILURE, NULL);
    scep_error_detail(&e, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Communication error (SCEP ERROR)");
    e.fail_info = 7;
    scep_error_detail(&e, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Communication error (SCEP ERROR Fail Info 7)");

    /* fail_info is ignored for codes that are not SCEP failures */
    scep_error_clear(&e);
    e.fail_info = 3;
    scep_error_set(&e, SCEP_E_PENDING, NULL);
    scep_error_detail(&e, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Pending");

    /* NULL error is allowed in set */
    CU_ASSERT_EQUAL(scep_error_set(NULL, SCEP_E_IO, "x %d", 1), SCEP_E_IO);
}

static void test_format(void)
{
    scep_error e;
    char buf[256], small[16];

    scep_error_clear(&e);
    scep_error_set(&e, SCEP_E_PENDING, NULL);
    CU_ASSERT_STRING_EQUAL(scep_error_format(&e, buf, sizeof buf), "Pending");

    e.http_status = 500;
    scep_error_set(&e, SCEP_E_HTTP, "server said %s", "oops");
    CU_ASSERT_STRING_EQUAL(scep_error_format(&e, buf, sizeof buf),
                           "Communication error (TCP ERROR 500): server said oops");

    /* truncated, terminated, no overflow */
    memset(small, 'X', sizeof small);
    scep_error_format(&e, small, sizeof small);
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
    CU_ASSERT_NSTRING_EQUAL(small, "Communication e", sizeof small - 1);

    /* text truncation in set */
    char longarg[600];
    memset(longarg, 'a', sizeof longarg - 1);
    longarg[sizeof longarg - 1] = '\0';
    scep_error_set(&e, SCEP_E_IO, "%s", longarg);
    CU_ASSERT_EQUAL(strlen(e.text), sizeof e.text - 1);
    scep_error_format(&e, buf, sizeof buf);
    CU_ASSERT_EQUAL(strlen(buf), sizeof buf - 1);
    CU_ASSERT_NSTRING_EQUAL(buf, "File system error: aaa", 22);
}

static void test_add_openssl(void)
{
    scep_error e;
    const unsigned char junk[] = {0x30, 0x82, 0x7f, 0xff, 0x01, 0x02};
    const unsigned char *p = junk;
    X509 *x;

    ERR_clear_error();
    x = d2i_X509(NULL, &p, sizeof junk);
    CU_ASSERT_PTR_NULL(x);
    X509_free(x);
    CU_ASSERT(ERR_peek_error() != 0);

    scep_error_clear(&e);
    scep_error_set(&e, SCEP_E_MALFORMED, "GetCACert");
    scep_error_add_openssl(&e);
    CU_ASSERT_NSTRING_EQUAL(e.text, "GetCACert; ", 11);
    CU_ASSERT(strlen(e.text) > 11);
    /* d2i of a too-long header reports an ASN.1 reason */
    CU_ASSERT(strstr(e.text, "asn1") != NULL || strstr(e.text, "ASN1") != NULL ||
              strstr(e.text, "too long") != NULL);
    CU_ASSERT_EQUAL(ERR_peek_error(), 0); /* the queue was emptied */

    /* empty text: no leading separator */
    p = junk;
    x = d2i_X509(NULL, &p, sizeof junk);
    X509_free(x);
    scep_error_set(&e, SCEP_E_MALFORMED, NULL);
    scep_error_add_openssl(&e);
    CU_ASSERT(e.text[0] != '\0' && e.text[0] != ';');

    /* NULL e still empties the queue */
    p = junk;
    x = d2i_X509(NULL, &p, sizeof junk);
    X509_free(x);
    CU_ASSERT(ERR_peek_error() != 0);
    scep_error_add_openssl(NULL);
    CU_ASSERT_EQUAL(ERR_peek_error(), 0);

    /* a full text stays terminated */
    char longarg[300];
    memset(longarg, 'b', sizeof longarg - 1);
    longarg[sizeof longarg - 1] = '\0';
    scep_error_set(&e, SCEP_E_MALFORMED, "%s", longarg);
    p = junk;
    x = d2i_X509(NULL, &p, sizeof junk);
    X509_free(x);
    scep_error_add_openssl(&e);
    CU_ASSERT_EQUAL(strlen(e.text), sizeof e.text - 1);
}

static void test_exit_codes(void)
{
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_OK), 0);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_INVALID), 2);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_BAD_URL), 2);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_NAME), 2); /* sceptool(1): invalid argument */
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_TCP), 3);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_TIMEOUT), 3);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_HTTP), 3);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_TLS_VERIFY), 3);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_FAILINFO_BADREQ), 4);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_FAILURE), 4);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_PENDING), 5);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_NONCE_MISMATCH), 6);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_CACERT), 6);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_CA_FINGERPRINT), 7);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_CA_CHANGED), 7);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_KEYSTORE_FULL), 8);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_DEFAULT_KEY), 8);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_KEYGEN), 9);
    CU_ASSERT_EQUAL(scep_rc_exit_code(SCEP_E_INTERNAL), 10);
    CU_ASSERT_EQUAL(scep_rc_exit_code((scep_rc)999), 10);
    for (int a = 1; a < SCEP_E_LAST; a++) {
        int c = scep_rc_exit_code((scep_rc)a);
        CU_ASSERT(c >= 2 && c <= 10);
    }
}

/* ---- logging ---- */
typedef struct log_capture {
    int calls;
    int level;
    char msg[2048];
} log_capture;

static void capture(int level, const char *msg, void *ctx)
{
    log_capture *c = ctx;

    c->calls++;
    c->level = level;
    snprintf(c->msg, sizeof c->msg, "%s", msg);
}

static void test_log(void)
{
    log_capture c = {0};
    char big[3000];

    scep_set_log(capture, &c);
    scep_log(SCEP_LOG_WARNING, "hello %s %d\n", "world", 42);
    CU_ASSERT_EQUAL(c.calls, 1);
    CU_ASSERT_EQUAL(c.level, SCEP_LOG_WARNING);
    CU_ASSERT_STRING_EQUAL(c.msg, "hello world 42"); /* newline stripped */

    /* debug goes to a callback too (the glue filters) */
    scep_log(SCEP_LOG_DEBUG, "dbg");
    CU_ASSERT_EQUAL(c.calls, 2);
    CU_ASSERT_EQUAL(c.level, SCEP_LOG_DEBUG);

    /* long messages are cut with "..." */
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    scep_log(SCEP_LOG_ERR, "%s", big);
    CU_ASSERT_EQUAL(c.calls, 3);
    CU_ASSERT(strlen(c.msg) < 1024);
    CU_ASSERT(strlen(c.msg) > 1000);
    CU_ASSERT_STRING_EQUAL(c.msg + strlen(c.msg) - 3, "...");

    scep_set_log(NULL, NULL);
    scep_log(SCEP_LOG_DEBUG, "this goes nowhere");
    CU_ASSERT_EQUAL(c.calls, 3);
}

int main(void)
{
    return tu_run("error", (tu_case[]){{"strerror distinct", test_strerror_distinct},
                                       {"rc names distinct", test_names_distinct},
                                       {"T3 strings", test_t3_strings},
                                       {"detail", test_detail},
                                       {"format", test_format},
                                       {"add openssl", test_add_openssl},
                                       {"exit codes", test_exit_codes},
                                       {"log", test_log},
                                       {NULL, NULL}});
}
