/*
 * error.c - the error catalogue: T3 detail texts, stable short names, the
 * scep_error helpers and the process exit code classes of sceptool.
 *
 * scep_strerror() and scep_rc_name() are switches without a default, so that
 * -Wall (-Wswitch) flags a code added to scep_rc but not described here.
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

const char *scep_strerror(scep_rc rc)
{
    switch (rc) {
    case SCEP_OK:
        return "No error";
    case SCEP_E_NOMEM:
        return "Out of memory";
    case SCEP_E_INVALID:
        return "Invalid parameter";
    case SCEP_E_BAD_URL:
        return "Invalid server URL";
    /* T3: a failed connection and a timeout share one detail on purpose. */
    case SCEP_E_TCP:
    case SCEP_E_TIMEOUT:
        return "Communication error (TCP ERROR)";
    case SCEP_E_HTTP:
        /* Generic form; scep_error_detail() puts in the real status. */
        return "Communication error (TCP ERROR <HTTP status>)";
    case SCEP_E_TLS_VERIFY:
        return "TLS verification failed";
    case SCEP_E_FAILINFO_BADALG:
        return "Communication error (SCEP ERROR Fail Info 0)";
    case SCEP_E_FAILINFO_BADMSGCHK:
        return "Communication error (SCEP ERROR Fail Info 1)";
    case SCEP_E_FAILINFO_BADREQ:
        return "Communication error (SCEP ERROR Fail Info 2)";
    case SCEP_E_FAILINFO_BADTIME:
        return "Communication error (SCEP ERROR Fail Info 3)";
    case SCEP_E_FAILINFO_BADCERTID:
        return "Communication error (SCEP ERROR Fail Info 4)";
    case SCEP_E_FAILURE:
        return "Communication error (SCEP ERROR)";
    case SCEP_E_PENDING:
        return "Pending";
    case SCEP_E_KEYSTORE_FULL:
        return "Key and certificate registration limit";
    case SCEP_E_CA_FINGERPRINT:
        return "CA fingerprint mismatch";
    case SCEP_E_CA_CHANGED:
        return "CA certificate changed";
    case SCEP_E_BAD_SIGNATURE:
        return "Response signature invalid";
    case SCEP_E_NONCE_MISMATCH:
        return "Nonce mismatch";
    case SCEP_E_TRANSID_MISMATCH:
        return "Transaction ID mismatch";
    case SCEP_E_MALFORMED:
        return "Malformed response";
    case SCEP_E_DECRYPT:
        return "Response decryption failed";
    case SCEP_E_CERT_MISMATCH:
        return "Issued certificate does not match the key";
    case SCEP_E_CERT_UNTRUSTED:
        return "Issued certificate not from the CA";
    case SCEP_E_CACERT:
        return "CA certificate unusable";
    case SCEP_E_KEYGEN:
        return "Key generation failed";
    case SCEP_E_CSR:
        return "Certificate request creation failed";
    case SCEP_E_CRYPTO:
        return "Request message creation failed";
    case SCEP_E_IO:
        return "File system error";
    case SCEP_E_NAME:
        return "Invalid key name";
    case SCEP_E_EXISTS:
        return "Key name already exists";
    case SCEP_E_NOT_FOUND:
        return "Not found";
    case SCEP_E_DEFAULT_KEY:
        return "Default key is protected";
    case SCEP_E_NO_RENEWAL:
        return "Server does not support renewal";
    case SCEP_E_COMMAND:
        return "Restart command failed";
    case SCEP_E_CANCELLED:
        return "Cancelled";
    case SCEP_E_BUSY:
        return "Request already queued or running";
    case SCEP_E_CONTENT_TYPE:
        return "Unexpected response content type";
    case SCEP_E_INTERNAL:
        return "Internal error";
    case SCEP_E_LAST:
        break;
    }
    return "Unknown error";
}

const char *scep_rc_name(scep_rc rc)
{
    switch (rc) {
    case SCEP_OK:
        return "ok";
    case SCEP_E_NOMEM:
        return "nomem";
    case SCEP_E_INVALID:
        return "invalid";
    case SCEP_E_BAD_URL:
        return "bad-url";
    case SCEP_E_TCP:
        return "tcp";
    case SCEP_E_TIMEOUT:
        return "timeout";
    case SCEP_E_HTTP:
        return "http";
    case SCEP_E_TLS_VERIFY:
        return "tls-verify";
    case SCEP_E_FAILINFO_BADALG:
        return "failinfo-badAlg";
    case SCEP_E_FAILINFO_BADMSGCHK:
        return "failinfo-badMessageCheck";
    case SCEP_E_FAILINFO_BADREQ:
        return "failinfo-badRequest";
    case SCEP_E_FAILINFO_BADTIME:
        return "failinfo-badTime";
    case SCEP_E_FAILINFO_BADCERTID:
        return "failinfo-badCertId";
    case SCEP_E_FAILURE:
        return "failure";
    case SCEP_E_PENDING:
        return "pending";
    case SCEP_E_KEYSTORE_FULL:
        return "keystore-full";
    case SCEP_E_CA_FINGERPRINT:
        return "ca-fingerprint";
    case SCEP_E_CA_CHANGED:
        return "ca-changed";
    case SCEP_E_BAD_SIGNATURE:
        return "bad-signature";
    case SCEP_E_NONCE_MISMATCH:
        return "nonce-mismatch";
    case SCEP_E_TRANSID_MISMATCH:
        return "transid-mismatch";
    case SCEP_E_MALFORMED:
        return "malformed";
    case SCEP_E_DECRYPT:
        return "decrypt";
    case SCEP_E_CERT_MISMATCH:
        return "cert-mismatch";
    case SCEP_E_CERT_UNTRUSTED:
        return "cert-untrusted";
    case SCEP_E_CACERT:
        return "cacert";
    case SCEP_E_KEYGEN:
        return "keygen";
    case SCEP_E_CSR:
        return "csr";
    case SCEP_E_CRYPTO:
        return "crypto";
    case SCEP_E_IO:
        return "io";
    case SCEP_E_NAME:
        return "name";
    case SCEP_E_EXISTS:
        return "exists";
    case SCEP_E_NOT_FOUND:
        return "not-found";
    case SCEP_E_DEFAULT_KEY:
        return "default-key";
    case SCEP_E_NO_RENEWAL:
        return "no-renewal";
    case SCEP_E_COMMAND:
        return "command";
    case SCEP_E_CANCELLED:
        return "cancelled";
    case SCEP_E_BUSY:
        return "busy";
    case SCEP_E_CONTENT_TYPE:
        return "content-type";
    case SCEP_E_INTERNAL:
        return "internal";
    case SCEP_E_LAST:
        break;
    }
    return "unknown";
}

static int is_scep_failure(scep_rc rc)
{
    return rc == SCEP_E_FAILURE ||
           (rc >= SCEP_E_FAILINFO_BADALG && rc <= SCEP_E_FAILINFO_BADCERTID);
}

const char *scep_error_detail(const scep_error *e, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    if (!e) {
        snprintf(buf, len, "%s", scep_strerror(SCEP_OK));
        return buf;
    }
    if (e->code == SCEP_E_HTTP && e->http_status > 0)
        snprintf(buf, len, "Communication error (TCP ERROR %ld)", e->http_status);
    else if (is_scep_failure(e->code) && e->fail_info >= 0)
        snprintf(buf, len, "Communication error (SCEP ERROR Fail Info %d)", e->fail_info);
    else
        snprintf(buf, len, "%s", scep_strerror(e->code));
    return buf;
}

const char *scep_error_format(const scep_error *e, char *buf, size_t len)
{
    char detail[128];

    if (!buf || len == 0)
        return buf;
    scep_error_detail(e, detail, sizeof detail);
    if (e && e->text[0])
        snprintf(buf, len, "%s: %.*s", detail, (int)sizeof e->text, e->text);
    else
        snprintf(buf, len, "%s", detail);
    return buf;
}

void scep_error_clear(scep_error *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->code = SCEP_OK;
    e->http_status = 0;
    e->fail_info = -1;
}

/*
 * Sets the code and the cause text; http_status and fail_info are left as
 * they are (the caller fills them before or after). The text is truncated to
 * fit e->text; never pass a secret in the arguments.
 */
scep_rc scep_error_set(scep_error *e, scep_rc rc, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return rc;
    e->code = rc;
    e->text[0] = '\0';
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(e->text, sizeof e->text, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Append s to e->text with "; " as separator, truncating safely. */
static void text_append(scep_error *e, const char *s)
{
    size_t used = strnlen(e->text, sizeof e->text - 1);

    e->text[used] = '\0';
    if (used && used < sizeof e->text - 1)
        used += (size_t)snprintf(e->text + used, sizeof e->text - used, "; ");
    if (used < sizeof e->text - 1)
        snprintf(e->text + used, sizeof e->text - used, "%s", s);
}

/*
 * Appends each entry of the calling thread's OpenSSL error queue as
 * "library: reason[: data]" and empties the queue (even when e is NULL, so a
 * stale entry never shows up in a later, unrelated error).
 */
void scep_error_add_openssl(scep_error *e)
{
    unsigned long err;
    const char *data = NULL;
    int flags = 0;
    char prev[192] = "";

    while ((err = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        char one[192];
        const char *lib = ERR_lib_error_string(err);
        const char *reason = ERR_reason_error_string(err);

        if (!e)
            continue;
        if (reason)
            snprintf(one, sizeof one, "%s%s%s", lib ? lib : "", lib ? ": " : "", reason);
        else
            ERR_error_string_n(err, one, sizeof one);
        if (data && (flags & ERR_TXT_STRING) && *data) {
            size_t n = strlen(one);
            snprintf(one + n, sizeof one - n, " (%s)", data);
        }
        /* The same reason is often pushed several times on the way up. */
        if (strcmp(one, prev) == 0)
            continue;
        memcpy(prev, one, sizeof prev);
        text_append(e, one);
    }
}

/*
 * Exit code classes of sceptool (copied into sceptool.1):
 *
 *   code  class                    scep_rc
 *   ----  -----------------------  ------------------------------------------
 *     0   success                  SCEP_OK
 *     2   usage / invalid input    INVALID, BAD_URL
 *     3   communication            TCP, TIMEOUT, HTTP, TLS_VERIFY
 *     4   SCEP FAILURE             FAILINFO_* (failInfo 0..4), FAILURE
 *     5   pending                  PENDING
 *     6   response verification    BAD_SIGNATURE, NONCE_MISMATCH,
 *                                  TRANSID_MISMATCH, MALFORMED, DECRYPT,
 *                                  CERT_MISMATCH, CONTENT_TYPE, CACERT
 *     7   CA pin / CA changed      CA_FINGERPRINT, CA_CHANGED
 *     8   key store                KEYSTORE_FULL, EXISTS, IO, NAME,
 *                                  NOT_FOUND, DEFAULT_KEY
 *     9   local crypto             KEYGEN, CSR, CRYPTO
 *    10   other                    NOMEM, NO_RENEWAL, COMMAND, CANCELLED,
 *                                  BUSY, INTERNAL and any unknown code
 *
 * (1 is left for the tool's own failures outside the library.)
 */
int scep_rc_exit_code(scep_rc rc)
{
    switch (rc) {
    case SCEP_OK:
        return 0;
    case SCEP_E_INVALID:
    case SCEP_E_BAD_URL:
    case SCEP_E_NAME: /* sceptool(1): an invalid name is an invalid argument */
        return 2;
    case SCEP_E_TCP:
    case SCEP_E_TIMEOUT:
    case SCEP_E_HTTP:
    case SCEP_E_TLS_VERIFY:
        return 3;
    case SCEP_E_FAILINFO_BADALG:
    case SCEP_E_FAILINFO_BADMSGCHK:
    case SCEP_E_FAILINFO_BADREQ:
    case SCEP_E_FAILINFO_BADTIME:
    case SCEP_E_FAILINFO_BADCERTID:
    case SCEP_E_FAILURE:
        return 4;
    case SCEP_E_PENDING:
        return 5;
    case SCEP_E_BAD_SIGNATURE:
    case SCEP_E_NONCE_MISMATCH:
    case SCEP_E_TRANSID_MISMATCH:
    case SCEP_E_MALFORMED:
    case SCEP_E_DECRYPT:
    case SCEP_E_CERT_UNTRUSTED:
    case SCEP_E_CERT_MISMATCH:
    case SCEP_E_CONTENT_TYPE:
    case SCEP_E_CACERT:
        return 6;
    case SCEP_E_CA_FINGERPRINT:
    case SCEP_E_CA_CHANGED:
        return 7;
    case SCEP_E_KEYSTORE_FULL:
    case SCEP_E_EXISTS:
    case SCEP_E_IO:
    case SCEP_E_NOT_FOUND:
    case SCEP_E_DEFAULT_KEY:
        return 8;
    case SCEP_E_KEYGEN:
    case SCEP_E_CSR:
    case SCEP_E_CRYPTO:
        return 9;
    case SCEP_E_NOMEM:
    case SCEP_E_NO_RENEWAL:
    case SCEP_E_COMMAND:
    case SCEP_E_CANCELLED:
    case SCEP_E_BUSY:
    case SCEP_E_INTERNAL:
    case SCEP_E_LAST:
        break;
    }
    return 10;
}
