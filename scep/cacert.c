/*
 * cacert.c - GetCACert response (RFC 8894 section 4.2.1) and the CA/RA
 * selection of B3.
 *
 * The body is either one certificate ("application/x-x509-ca-cert", DER; PEM is
 * accepted too) or a degenerate certificates-only PKCS#7 SignedData
 * ("application/x-x509-ca-ra-cert"). Servers in the field mislabel both, so the
 * content type only decides which parser is tried first.
 *
 * Selection:
 *  - ca: with one certificate, that one. Otherwise the CA certificate
 *    (basicConstraints CA:TRUE or self-signed v1) that issued the RA
 *    certificates; without RA certificates, the CA certificate that issued no
 *    other CA certificate in the set (the intermediate the client talks to,
 *    RFC 8894 4.2.1.2: "intermediate CA certificate(s) as the leaf").
 *  - enc / sig: an RA certificate (non-CA, issued and signed by ca) with
 *    keyUsage keyEncipherment / digitalSignature; an RA without a keyUsage
 *    extension is acceptable for both but a matching explicit one wins. Fall
 *    back to ca when no RA qualifies.
 * ca, enc and sig point into `all` (not separately referenced).
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>

/* Is the content type (ignoring parameters and case) `want`? */
static int push_cert(STACK_OF(X509) *sk, X509 *x)
{
    if (!X509_up_ref(x))
        return 0;
    if (!sk_X509_push(sk, x)) {
        X509_free(x);
        return 0;
    }
    return 1;
}

/* One DER certificate (a PKCS#7 never parses as an X509). Returns 0 when the
 * body is not a certificate, else 1 with the outcome in *rc. */
static int try_der_cert(const unsigned char *der, size_t len, STACK_OF(X509) *sk,
                        scep_error *e, scep_rc *rc)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);

    if (!x)
        return 0;
    int ok = push_cert(sk, x);
    X509_free(x);
    *rc = ok ? SCEP_OK : scep_error_set(e, SCEP_E_NOMEM, "GetCACert: out of memory");
    return 1;
}

static scep_rc take_p7_certs(PKCS7 *p7, STACK_OF(X509) *sk, scep_error *e)
{
    STACK_OF(X509) *certs = NULL;

    if (PKCS7_type_is_signed(p7) && p7->d.sign)
        certs = p7->d.sign->cert;
    else
        return scep_error_set(e, SCEP_E_CACERT,
                              "GetCACert: PKCS#7 is not a SignedData (certificates-only)");
    for (int i = 0; i < sk_X509_num(certs); i++)
        if (!push_cert(sk, sk_X509_value(certs, i)))
            return scep_error_set(e, SCEP_E_NOMEM, "GetCACert: out of memory");
    return SCEP_OK;
}

/* Degenerate certificates-only SignedData (DER). Returns 0 when the body is
 * not a PKCS#7 at all, else 1 with the outcome in *rc. */
static int try_der_p7(const unsigned char *der, size_t len, STACK_OF(X509) *sk,
                      scep_error *e, scep_rc *rc)
{
    const unsigned char *p = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);

    if (!p7)
        return 0;
    *rc = take_p7_certs(p7, sk, e);
    PKCS7_free(p7);
    return 1;
}

/* PEM: any number of CERTIFICATE blocks, or one PKCS7 block. */
static scep_rc parse_pem(const unsigned char *buf, size_t len, STACK_OF(X509) *sk,
                         scep_error *e)
{
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    X509 *x;
    scep_rc rc = SCEP_OK;

    if (!b)
        return scep_error_set(e, SCEP_E_NOMEM, "GetCACert: out of memory");
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        int ok = push_cert(sk, x);
        X509_free(x);
        if (!ok) {
            rc = scep_error_set(e, SCEP_E_NOMEM, "GetCACert: out of memory");
            goto out;
        }
    }
    ERR_clear_error(); /* the loop ends with "no start line" */
    if (sk_X509_num(sk) == 0) {
        PKCS7 *p7;
        (void)BIO_reset(b);
        p7 = PEM_read_bio_PKCS7(b, NULL, NULL, NULL);
        if (!p7) {
            rc = scep_error_set(e, SCEP_E_CACERT,
                                "GetCACert: PEM body holds no certificate");
            scep_error_add_openssl(e);
            goto out;
        }
        rc = take_p7_certs(p7, sk, e);
        PKCS7_free(p7);
    }
out:
    BIO_free(b);
    return rc;
}

static int is_ca_cert(X509 *x)
{
    return X509_check_ca(x) != 0;
}

/* Did `issuer` issue and sign `subject`? (names/AKID/KU and the signature) */
static int issued_by(X509 *issuer, X509 *subject)
{
    EVP_PKEY *pk;

    if (issuer == subject)
        return 0;
    if (X509_check_issued(issuer, subject) != X509_V_OK)
        return 0;
    pk = X509_get0_pubkey(issuer);
    if (!pk || X509_verify(subject, pk) != 1) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

static X509 *pick_ca(STACK_OF(X509) *sk)
{
    int n = sk_X509_num(sk);
    X509 *best = NULL;
    int best_count = 0;

    if (n == 1)
        return sk_X509_value(sk, 0);
    /* The CA certificate that issued the most RA (non-CA) certificates. */
    for (int i = 0; i < n; i++) {
        X509 *c = sk_X509_value(sk, i);
        int count = 0;
        if (!is_ca_cert(c))
            continue;
        for (int j = 0; j < n; j++) {
            X509 *r = sk_X509_value(sk, j);
            if (!is_ca_cert(r) && issued_by(c, r))
                count++;
        }
        if (count > best_count) {
            best = c;
            best_count = count;
        }
    }
    if (best)
        return best;
    /* No RA: the leaf-most CA certificate (issued no other CA certificate). */
    for (int i = 0; i < n; i++) {
        X509 *c = sk_X509_value(sk, i);
        int issuer_of_ca = 0;
        if (!is_ca_cert(c))
            continue;
        for (int j = 0; j < n && !issuer_of_ca; j++) {
            X509 *o = sk_X509_value(sk, j);
            if (is_ca_cert(o) && issued_by(c, o) && X509_cmp(c, o) != 0)
                issuer_of_ca = 1;
        }
        if (!issuer_of_ca)
            return c;
    }
    return NULL;
}

/* RA certificate issued by ca with key usage `ku`; an RA without a keyUsage
 * extension is the second choice; a lone RA is used for both roles whatever
 * its keyUsage says (RFC 8894 3.5.2: some servers set only one of the two
 * flags, the client has to ignore them); ca when there is no RA. */
static X509 *pick_ra(STACK_OF(X509) *sk, X509 *ca, uint32_t ku)
{
    X509 *no_ku = NULL, *lone = NULL;
    int n_ra = 0;

    for (int i = 0; i < sk_X509_num(sk); i++) {
        X509 *r = sk_X509_value(sk, i);
        if (r == ca || is_ca_cert(r) || !issued_by(ca, r))
            continue;
        n_ra++;
        lone = r;
        if (!(X509_get_extension_flags(r) & EXFLAG_KUSAGE)) {
            if (!no_ku)
                no_ku = r;
            continue;
        }
        if (X509_get_key_usage(r) & ku)
            return r;
    }
    if (no_ku)
        return no_ku;
    return n_ra == 1 ? lone : ca;
}

scep_rc scep_ca_parse(const unsigned char *der, size_t len, const char *content_type,
                      scep_ca *out, scep_error *e)
{
    STACK_OF(X509) *sk = NULL;
    scep_rc rc;
    const char *ct = content_type ? content_type : "";

    if (!out)
        return scep_error_set(e, SCEP_E_INVALID, "scep_ca_parse: no output");
    memset(out, 0, sizeof *out);
    if (!der || len == 0)
        return scep_error_set(e, SCEP_E_CACERT, "GetCACert: empty response (%s)",
                              *ct ? ct : "no content type");
    if (len > 0x7fffffff)
        return scep_error_set(e, SCEP_E_CACERT, "GetCACert: response too large");
    sk = sk_X509_new_null();
    if (!sk)
        return scep_error_set(e, SCEP_E_NOMEM, "GetCACert: out of memory");

    if (len >= 10 && memcmp(der, "-----BEGIN", 10) == 0) {
        rc = parse_pem(der, len, sk, e);
    } else {
        int p7_first = scep_media_type_is(ct, "application/x-x509-ca-ra-cert");
        int done = p7_first ? try_der_p7(der, len, sk, e, &rc)
                            : try_der_cert(der, len, sk, e, &rc);
        if (!done)
            done = p7_first ? try_der_cert(der, len, sk, e, &rc)
                            : try_der_p7(der, len, sk, e, &rc);
        if (!done) {
            ERR_clear_error();
            rc = scep_error_set(e, SCEP_E_CACERT,
                                "GetCACert: body (%zu bytes, %s) is neither a DER "
                                "certificate nor a PKCS#7 certificate chain",
                                len, *ct ? ct : "no content type");
        }
    }
    if (rc)
        goto fail;
    if (sk_X509_num(sk) == 0) {
        rc = scep_error_set(e, SCEP_E_CACERT, "GetCACert: the chain holds no certificate");
        goto fail;
    }

    out->all = sk;
    out->ca = pick_ca(sk);
    if (!out->ca) {
        rc = scep_error_set(e, SCEP_E_CACERT,
                            "GetCACert: none of the %d certificates is a CA certificate",
                            sk_X509_num(sk));
        out->all = NULL;
        goto fail;
    }
    /* An RA (a certificate that is not a CA) must be signed by the CA: using
     * the CA instead would only fail later as "Fail Info 1" or a bad signature. */
    for (int i = 0; i < sk_X509_num(sk); i++) {
        X509 *r = sk_X509_value(sk, i);
        if (r == out->ca || is_ca_cert(r) || issued_by(out->ca, r))
            continue;
        char subj[128] = "";
        X509_NAME_oneline(X509_get_subject_name(r), subj, sizeof subj);
        rc = scep_error_set(e, SCEP_E_CACERT,
                            "GetCACert: the RA certificate %s is not signed by the CA",
                            subj);
        out->all = NULL;
        out->ca = NULL;
        goto fail;
    }
    out->enc = pick_ra(sk, out->ca, KU_KEY_ENCIPHERMENT);
    out->sig = pick_ra(sk, out->ca, KU_DIGITAL_SIGNATURE);
    ERR_clear_error();
    return SCEP_OK;

fail:
    sk_X509_pop_free(sk, X509_free);
    ERR_clear_error();
    memset(out, 0, sizeof *out);
    return rc;
}

void scep_ca_clear(scep_ca *ca)
{
    if (!ca)
        return;
    sk_X509_pop_free(ca->all, X509_free);
    memset(ca, 0, sizeof *ca);
}
