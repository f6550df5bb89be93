/*
 * client.c - the SCEP client flow (RFC 8894): GetCACaps, GetCACert with the CA
 * pin, PKCSReq / RenewalReq / CertPoll, CertRep checks, storing the result.
 *
 * Everything here blocks (HTTP, key generation): the agent calls it on the
 * worker thread of jobs.c, sceptool calls it directly.
 */
#include "config.h"

#include "scep-int.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

struct scep_client {
    scep_settings s;
    scep_transport_fn transport;
    void *tctx;
    volatile int *cancel;
    unsigned caps;
    int have_caps;
    scep_ca ca;
    int have_ca;
};

scep_rc scep_client_new(const scep_settings *s, scep_client **out, scep_error *e)
{
    scep_rc rc = scep_settings_validate(s, e);
    if (rc)
        return rc;
    scep_client *c = calloc(1, sizeof *c);
    if (!c)
        return scep_error_set(e, SCEP_E_NOMEM, "client");
    c->s = *s;
    c->transport = scep_http_curl;
    *out = c;
    return SCEP_OK;
}

void scep_client_free(scep_client *c)
{
    if (!c)
        return;
    scep_ca_clear(&c->ca);
    free(c);
}

void scep_client_set_transport(scep_client *c, scep_transport_fn fn, void *ctx)
{
    c->transport = fn ? fn : scep_http_curl;
    c->tctx = ctx;
}

void scep_client_set_cancel(scep_client *c, volatile int *cancel)
{
    c->cancel = cancel;
}

static scep_rc transfer(scep_client *c, const scep_http_req *req, scep_http_resp *resp,
                        scep_error *e)
{
    void *ctx = c->tctx;
    if (c->transport == scep_http_curl && !ctx)
        ctx = (void *)c->cancel;
    memset(resp, 0, sizeof *resp);
    if (c->cancel && *c->cancel)
        return scep_error_set(e, SCEP_E_CANCELLED, "cancelled before %s", req->operation);
    scep_rc rc = c->transport(ctx, &c->s, req, resp, e);
    if (e)
        e->http_status = resp->status;
    if (rc)
        scep_http_resp_free(resp);
    return rc;
}

scep_rc scep_get_caps(scep_client *c, unsigned *caps, scep_error *e)
{
    if (c->have_caps) {
        *caps = c->caps;
        return SCEP_OK;
    }
    scep_http_req req = {.operation = "GetCACaps"};
    scep_http_resp resp;
    scep_rc rc = transfer(c, &req, &resp, e);
    if (rc)
        return rc;
    c->caps = scep_caps_parse((const char *)resp.body, resp.body_len);
    c->have_caps = 1;
    scep_http_resp_free(&resp);
    char buf[256];
    scep_log(SCEP_LOG_DEBUG, "GetCACaps: %s", scep_caps_format(c->caps, buf, sizeof buf));
    *caps = c->caps;
    return SCEP_OK;
}

/* x (the pinned certificate) is an ancestor of the CA certificate: the CA
 * verifies with x as the only trust anchor, through the others of GetCACert. */
static int issued_under(const scep_ca *ca, X509 *x)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new_ex(scep_libctx(), NULL);
    int ok = st && ctx && X509_STORE_add_cert(st, x) &&
             X509_STORE_CTX_init(ctx, st, ca->ca, ca->all);
    if (ok) {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
        X509_VERIFY_PARAM_set_time(vp, scep_now());
        ok = X509_verify_cert(ctx) == 1;
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return ok;
}

/* X6: the pin wins; without a pin, the first fingerprint seen is the reference.
 * The pin may name the CA certificate or a certificate above it in the chain
 * GetCACert sent (RFC 8894 2.2: an operator pins the root); never an RA. */
static scep_rc check_ca_pin(const scep_settings *s, const scep_ca *ca, const char *fpr,
                            scep_error *e)
{
    char want[SCEP_FPR_HEX_LEN + 1];
    if (s->ca_pin[0]) {
        if (scep_normalize_fpr(s->ca_pin, strlen(s->ca_pin), want) != SCEP_OK)
            return scep_error_set(e, SCEP_E_INVALID,
                                  "configured CA pin is not a SHA-256 fingerprint");
        if (strcmp(want, fpr) == 0)
            return SCEP_OK;
        for (int i = 0; i < sk_X509_num(ca->all); i++) {
            X509 *x = sk_X509_value(ca->all, i);
            char got[SCEP_FPR_HEX_LEN + 1];
            if (x == ca->ca || scep_cert_fpr_hex(x, got) != SCEP_OK || strcmp(got, want))
                continue;
            if (issued_under(ca, x)) {
                char subj[256] = "";
                X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof subj);
                scep_log(SCEP_LOG_DEBUG, "CA pin matches %s, above the CA in the chain",
                         subj);
                return SCEP_OK;
            }
            return scep_error_set(e, SCEP_E_CA_FINGERPRINT,
                                  "the pin %s names a certificate of GetCACert that the "
                                  "CA certificate (%s) is not issued under",
                                  want, fpr);
        }
        return scep_error_set(e, SCEP_E_CA_FINGERPRINT,
                              "CA certificate SHA-256 %s does not match the pin %s, nor "
                              "does any other certificate of GetCACert",
                              fpr, want);
    }
    if (s->ca_seen[0]) {
        if (scep_normalize_fpr(s->ca_seen, strlen(s->ca_seen), want) != SCEP_OK ||
            strcmp(want, fpr) != 0)
            return scep_error_set(
                e, SCEP_E_CA_CHANGED,
                "CA certificate SHA-256 %s differs from the one first seen "
                "%s; set the CA pin to accept it",
                fpr, s->ca_seen);
    }
    return SCEP_OK;
}

static scep_rc ca_to_pem(const scep_ca *ca, char **pem, scep_error *e)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return scep_error_set(e, SCEP_E_NOMEM, "BIO");
    /* The CA first, then the others (RA certificates). */
    int ok = PEM_write_bio_X509(b, ca->ca);
    for (int i = 0; ok && i < sk_X509_num(ca->all); i++) {
        X509 *x = sk_X509_value(ca->all, i);
        if (x != ca->ca)
            ok = PEM_write_bio_X509(b, x);
    }
    char *data;
    long n = BIO_get_mem_data(b, &data);
    *pem = ok && n > 0 ? malloc((size_t)n + 1) : NULL;
    if (*pem) {
        memcpy(*pem, data, (size_t)n);
        (*pem)[n] = 0;
    }
    BIO_free(b);
    return *pem ? SCEP_OK : scep_error_set(e, SCEP_E_NOMEM, "CA PEM");
}

/* The CA and RA certificates in use must be valid now (issue 9): an expired
 * RA would sign CertReps that no one should trust. */
static scep_rc check_ca_times(const scep_ca *ca, scep_error *e)
{
    const X509 *use[3] = {ca->ca, ca->enc, ca->sig};
    static const char *const role[3] = {"CA", "RA (encryption)", "RA (signature)"};
    time_t now = scep_now();
    for (int i = 0; i < 3; i++) {
        if (!use[i] || (i > 0 && (use[i] == ca->ca || use[i] == use[i - 1])))
            continue;
        if (X509_cmp_time(X509_get0_notBefore(use[i]), &now) > 0)
            return scep_error_set(e, SCEP_E_CACERT, "the %s certificate is not valid yet",
                                  role[i]);
        if (X509_cmp_time(X509_get0_notAfter(use[i]), &now) < 0)
            return scep_error_set(e, SCEP_E_CACERT, "the %s certificate has expired",
                                  role[i]);
    }
    return SCEP_OK;
}

/* The certificate of a SUCCESS must chain to the CA of GetCACert (the other
 * certificates it sent may be intermediates) and be valid now; a CertRep that
 * carries a certificate issued by anyone else is refused. */
static scep_rc verify_issued(const scep_client *c, X509 *cert, scep_error *e)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new_ex(scep_libctx(), NULL);
    scep_rc rc = SCEP_OK;
    if (!st || !ctx || !X509_STORE_add_cert(st, c->ca.ca) ||
        !X509_STORE_CTX_init(ctx, st, cert, c->ca.all)) {
        rc = scep_error_set(e, SCEP_E_CRYPTO, "cannot verify the issued certificate");
        scep_error_add_openssl(e);
        goto out;
    }
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(vp,
                                X509_V_FLAG_PARTIAL_CHAIN); /* an issuing CA may be it */
    X509_VERIFY_PARAM_set_time(vp, scep_now());
    if (X509_verify_cert(ctx) != 1) {
        int err = X509_STORE_CTX_get_error(ctx);
        rc = scep_error_set(e, SCEP_E_CERT_UNTRUSTED,
                            "issued certificate does not verify against the CA of "
                            "GetCACert: %s",
                            X509_verify_cert_error_string(err));
        ERR_clear_error();
    }
out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return rc;
}

scep_rc scep_get_ca(scep_client *c, char fpr[SCEP_FPR_HEX_LEN + 1], char **pem,
                    scep_error *e)
{
    scep_rc rc;
    if (!c->have_ca) {
        scep_http_req req = {.operation = "GetCACert"};
        scep_http_resp resp;
        rc = transfer(c, &req, &resp, e);
        if (rc)
            return rc;
        rc = scep_ca_parse(resp.body, resp.body_len, resp.content_type, &c->ca, e);
        scep_http_resp_free(&resp);
        if (rc)
            return rc;
        c->have_ca = 1;
    }
    char got[SCEP_FPR_HEX_LEN + 1];
    rc = scep_cert_fpr_hex(c->ca.ca, got);
    if (rc)
        return scep_error_set(e, rc, "CA fingerprint");
    if (fpr)
        memcpy(fpr, got, sizeof got);
    rc = check_ca_pin(&c->s, &c->ca, got, e);
    if (!rc)
        rc = check_ca_times(&c->ca, e);
    if (rc)
        return rc;
    if (pem)
        return ca_to_pem(&c->ca, pem, e);
    return SCEP_OK;
}

/* Send a pkiMessage: POST when the server offers POSTPKIOperation, else GET
 * with the base64 message (S5). */
static scep_rc send_pkimsg(scep_client *c, const unsigned char *der, size_t len,
                           scep_http_resp *resp, scep_error *e)
{
    scep_http_req req = {.operation = "PKIOperation"};
    char *b64 = NULL;
    if (c->caps & SCEP_CAP_POST) {
        req.body = der;
        req.body_len = len;
    } else {
        size_t cap = 4 * ((len + 2) / 3) + 1;
        b64 = malloc(cap);
        if (!b64)
            return scep_error_set(e, SCEP_E_NOMEM, "base64");
        EVP_EncodeBlock((unsigned char *)b64, der, (int)len);
        req.message = b64;
    }
    scep_rc rc = transfer(c, &req, resp, e);
    free(b64);
    if (rc)
        return rc;
    if (resp->content_type[0] &&
        !scep_media_type_is(resp->content_type, "application/x-pki-message")) {
        char ct[sizeof resp->content_type];
        memcpy(ct, resp->content_type, sizeof ct);
        scep_http_resp_free(resp);
        return scep_error_set(e, SCEP_E_CONTENT_TYPE,
                              "PKIOperation answered with Content-Type \"%s\"", ct);
    }
    return SCEP_OK;
}

/* What one pkiMessage exchange needs. */
typedef struct exchange {
    int type;
    X509_REQ *csr;           /* 19/17 */
    X509_NAME *poll_subject; /* 20 */
    X509 *signer_cert;
    EVP_PKEY *signer_key;
    EVP_PKEY *new_key;
    char tid[65];
} exchange;

static scep_rc run_exchange(scep_client *c, exchange *x, scep_certrep *rep, scep_error *e)
{
    scep_msg_in m = {
        .type = x->type,
        .csr = x->csr,
        .poll_subject = x->poll_subject,
        .signer_cert = x->signer_cert,
        .signer_key = x->signer_key,
        .recipient = c->ca.enc,
        .ca = c->ca.ca,
        .digest = scep_caps_digest(c->caps),
        .cipher = scep_caps_cipher(c->caps),
    };
    memcpy(m.transaction_id, x->tid, sizeof m.transaction_id);
    unsigned char *der = NULL;
    size_t len = 0;
    scep_rc rc = scep_msg_build(&m, &der, &len, e);
    if (rc)
        return rc;
    memcpy(x->tid, m.transaction_id, sizeof x->tid);
    scep_log(SCEP_LOG_INFO, "SCEP messageType %d transactionID %s (%s, %s, %s)", x->type,
             x->tid, m.digest, m.cipher, (c->caps & SCEP_CAP_POST) ? "POST" : "GET");
    scep_http_resp resp;
    rc = send_pkimsg(c, der, len, &resp, e);
    OPENSSL_free(der);
    if (rc)
        return rc;
    rc = scep_certrep_parse(resp.body, resp.body_len, c->ca.sig, m.sender_nonce, x->tid,
                            x->signer_key, x->signer_cert, x->new_key, rep, e);
    if (rc == SCEP_E_BAD_SIGNATURE && c->ca.sig != c->ca.ca) {
        /* The RA was picked by keyUsage, which RFC 8894 3.5.2 says may be
         * unreliable (a lone RA serves both roles): a CertRep signed by the
         * CA itself is as genuine. */
        scep_error e2;
        scep_error_clear(&e2);
        if (scep_certrep_parse(resp.body, resp.body_len, c->ca.ca, m.sender_nonce, x->tid,
                               x->signer_key, x->signer_cert, x->new_key, rep,
                               &e2) == SCEP_OK) {
            scep_log(SCEP_LOG_INFO, "CertRep signed by the CA, not the RA");
            scep_error_clear(e);
            rc = SCEP_OK;
        }
    }
    scep_http_resp_free(&resp);
    if (rc)
        return rc;
    switch (rep->status) {
    case SCEP_STATUS_SUCCESS:
        return verify_issued(c, rep->cert, e);
    case SCEP_STATUS_PENDING:
        return scep_error_set(e, SCEP_E_PENDING, "transaction %s pending", x->tid);
    case SCEP_STATUS_FAILURE:
        break;
    default:
        return scep_error_set(e, SCEP_E_MALFORMED, "unknown pkiStatus %d", rep->status);
    }
    rc = (rep->fail_info >= 0 && rep->fail_info <= 4)
             ? (scep_rc)(SCEP_E_FAILINFO_BADALG + rep->fail_info)
             : SCEP_E_FAILURE;
    scep_error_set(e, rc, "%s",
                   rep->fail_info_text[0] ? rep->fail_info_text
                                          : "server answered FAILURE");
    if (e)
        e->fail_info = rep->fail_info;
    return rc;
}

/* Chain to store beside the certificate: every other certificate of the
 * reply (the CA, intermediates). */
static STACK_OF(X509) *reply_chain(const scep_certrep *rep)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    for (int i = 0; chain && i < sk_X509_num(rep->certs); i++) {
        X509 *x = sk_X509_value(rep->certs, i);
        if (X509_cmp(x, rep->cert) != 0 && sk_X509_push(chain, x))
            X509_up_ref(x);
    }
    return chain;
}

static scep_rc store_result(scep_keystore *ks, const char *name, EVP_PKEY *key,
                            const scep_certrep *rep, scep_usage usage, const char *policy,
                            const char *replace, scep_enroll_result *r, scep_error *e)
{
    STACK_OF(X509) *chain = reply_chain(rep);
    scep_rc rc = scep_keystore_store(ks, name, key, rep->cert, chain, usage, policy,
                                     replace && *replace ? replace : NULL, &r->key, e);
    sk_X509_pop_free(chain, X509_free);
    if (!rc && replace && *replace && strcmp(replace, name) != 0)
        snprintf(r->replaced, sizeof r->replaced, "%s", replace);
    return rc;
}

static scep_rc subject_hex(X509_REQ *csr, char *out, size_t n)
{
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(X509_REQ_get_subject_name(csr), &der);
    if (len <= 0 || (size_t)len * 2 + 1 > n) {
        OPENSSL_free(der);
        return SCEP_E_CSR;
    }
    scep_hex(der, (size_t)len, 0, 0, out, n);
    OPENSSL_free(der);
    return SCEP_OK;
}

static X509_NAME *subject_from_hex(const char *hex)
{
    size_t n = strlen(hex) / 2;
    unsigned char *der = malloc(n ? n : 1);
    if (!der)
        return NULL;
    X509_NAME *name = NULL;
    if (scep_unhex(hex, 0, der, n ? n : 1, &n) == SCEP_OK) {
        const unsigned char *p = der;
        name = d2i_X509_NAME(NULL, &p, (long)n);
    }
    free(der);
    return name;
}

static scep_rc save_pending(scep_keystore *ks, const char *name, const scep_params *p,
                            const exchange *x, const char *replace, EVP_PKEY *key,
                            scep_error *e)
{
    scep_txn t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", name);
    memcpy(t.transaction_id, x->tid, sizeof t.transaction_id);
    t.msg_type = x->type;
    t.created = scep_now();
    t.usage = p->usage;
    snprintf(t.ipsec_policy, sizeof t.ipsec_policy, "%s", p->ipsec_policy);
    t.hash = p->hash;
    t.bits = p->bits;
    if (subject_hex(x->csr, t.subject, sizeof t.subject) != SCEP_OK)
        return scep_error_set(e, SCEP_E_CSR, "subject too long to save");
    snprintf(t.replace, sizeof t.replace, "%s", replace ? replace : "");
    scep_error se;
    scep_error_clear(&se);
    scep_rc rc = scep_txn_save(ks, &t, key, &se);
    if (rc) {
        /* Keep the Pending detail but say the transaction could not be kept. */
        scep_log(SCEP_LOG_ERR, "cannot save pending transaction %s for %s: %s",
                 t.transaction_id, name, se.text);
        return scep_error_set(e, rc, "pending transaction %s could not be saved: %s",
                              t.transaction_id, se.text);
    }
    return SCEP_OK;
}

/* GetCACaps, then GetCACert with the pin/TOFU checks: how an enrollment and
 * a poll begin. */
static scep_rc caps_and_ca(scep_client *c, unsigned *caps, char fpr[SCEP_FPR_HEX_LEN + 1],
                           scep_error *e)
{
    scep_rc rc = scep_get_caps(c, caps, e);

    if (rc == SCEP_E_HTTP || rc == SCEP_E_TCP) {
        /* RFC 8894 3.5.2: an HTTP error to GetCACaps means "no capabilities"
         * (SHA-1, triple DES, GET); so does a connection the server closes
         * without an answer (IIS does). A path that is wrong altogether, or a
         * server that is down, fails at GetCACert with the same detail. */
        scep_log(SCEP_LOG_INFO, "GetCACaps: %s, assuming no capabilities",
                 e && e->text[0] ? e->text : "no answer");
        scep_error_clear(e);
        c->caps = 0;
        c->have_caps = 1;
        *caps = 0;
        rc = SCEP_OK;
    }
    /* Local config requireScepStandard: no silent fall-back to triple DES /
     * SHA-1 (a forged or failing GetCACaps must not downgrade anything). */
    if (!rc && c->s.require_standard && !(*caps & SCEP_CAP_SCEPSTANDARD))
        rc = scep_error_set(e, SCEP_E_INVALID,
                            "the server does not announce SCEPStandard in GetCACaps "
                            "(requireScepStandard is set)");
    if (!rc)
        rc = scep_get_ca(c, fpr, NULL, e);
    return rc;
}

scep_rc scep_enroll(scep_client *c, scep_keystore *ks, const scep_params *p,
                    const scep_enroll_opts *o, scep_enroll_result *r, scep_error *e)
{
    static const scep_enroll_opts no_opts;
    if (!o)
        o = &no_opts;
    memset(r, 0, sizeof *r);
    scep_rc rc = scep_params_validate(p, NULL, e);
    if (rc)
        return rc;
    const char *name = o->store_as && *o->store_as ? o->store_as : p->name;
    rc = scep_check_name(name, strlen(name), e);
    if (rc)
        return rc;

    /* What the new key replaces: itself on renewal, the key of the same usage (A6). */
    char replace[SCEP_NAME_MAX + 1] = "";
    if (o->renew_name) {
        if (!scep_keystore_exists(ks, o->renew_name))
            return scep_error_set(e, SCEP_E_NOT_FOUND, "no stored key \"%s\" to renew",
                                  o->renew_name);
        snprintf(replace, sizeof replace, "%s", o->renew_name);
    } else if (o->replace_usage) {
        scep_keystore_find_usage(ks, p->usage, replace, sizeof replace);
    }
    if (scep_pending_exists(ks, name))
        return scep_error_set(e, SCEP_E_EXISTS,
                              "a pending transaction exists for \"%s\": poll it", name);
    if (scep_keystore_exists(ks, name) && strcmp(name, replace) != 0)
        return scep_error_set(e, SCEP_E_EXISTS, "key \"%s\" exists in the key store", name);
    if (!replace[0]) { /* the count grows: check before generating a key */
        rc = scep_keystore_check_room(ks, e);
        if (rc)
            return rc;
    }

    unsigned caps;
    rc = caps_and_ca(c, &caps, r->ca_fpr, e);
    if (rc)
        return rc;
    /* B1, RFC 8894 2.3: a renewal is a RenewalReq where the server offers
     * Renewal, else a PKCSReq signed with the current certificate all the same. */
    int renewal = o->renew_name && (caps & SCEP_CAP_RENEWAL);
    if (o->renew_name && !renewal)
        scep_log(SCEP_LOG_INFO,
                 "no Renewal at the server: PKCSReq signed with the "
                 "certificate of \"%s\"",
                 o->renew_name);

    EVP_PKEY *key = NULL, *old_key = NULL;
    X509 *old_cert = NULL, *self = NULL;
    X509_REQ *csr = NULL;
    scep_certrep rep;
    memset(&rep, 0, sizeof rep);
    if (o->key_file)
        rc = scep_key_load(o->key_file, &key, e);
    else
        rc = scep_key_generate(p->bits, c->cancel, &key, e);
    if (rc)
        goto out;
    rc = scep_csr_build(key, p, &csr, e);
    if (rc)
        goto out;

    exchange x = {.csr = csr, .new_key = key};
    if (o->renew_name) {
        rc = scep_keystore_load(ks, o->renew_name, &old_key, &old_cert, e);
        if (rc)
            goto out;
        x.type = renewal ? SCEP_MSG_RENEWALREQ : SCEP_MSG_PKCSREQ;
        x.signer_cert = old_cert;
        x.signer_key = old_key;
    } else {
        rc = scep_selfsigned(key, csr, &self, e);
        if (rc)
            goto out;
        x.type = SCEP_MSG_PKCSREQ;
        x.signer_cert = self;
        x.signer_key = key;
    }
    r->msg_type = x.type;
    rc = run_exchange(c, &x, &rep, e);
    memcpy(r->transaction_id, x.tid, sizeof r->transaction_id);
    if (rc == SCEP_E_PENDING) {
        scep_rc src = save_pending(ks, name, p, &x, replace, key, e);
        if (src)
            rc = src;
        goto out;
    }
    if (rc)
        goto out;
    rc = store_result(ks, name, key, &rep, p->usage, p->ipsec_policy, replace, r, e);
    if (!rc) {
        char until[32];
        scep_log(SCEP_LOG_NOTICE, "key \"%s\": certificate %s issued by %s, valid until %s",
                 name, r->key.serial, r->key.issuer,
                 scep_time_iso(r->key.not_after, until, sizeof until));
    }
out:
    scep_certrep_clear(&rep);
    X509_REQ_free(csr);
    X509_free(self);
    X509_free(old_cert);
    EVP_PKEY_free(old_key);
    EVP_PKEY_free(key);
    return rc;
}

/* Is the pending key of name already the stored key of name? */
static int already_stored(scep_keystore *ks, const char *name, EVP_PKEY *key,
                          scep_enroll_result *r)
{
    EVP_PKEY *stored = NULL;
    X509 *cert = NULL;
    int same = scep_keystore_exists(ks, name) &&
               scep_keystore_load(ks, name, &stored, &cert, NULL) == SCEP_OK &&
               EVP_PKEY_eq(stored, key) == 1 &&
               scep_keystore_get(ks, name, &r->key, NULL) == 0;
    EVP_PKEY_free(stored);
    X509_free(cert);
    return same;
}

scep_rc scep_poll(scep_client *c, scep_keystore *ks, const char *name,
                  scep_enroll_result *r, scep_error *e)
{
    memset(r, 0, sizeof *r);
    scep_txn t;
    EVP_PKEY *key = NULL, *old_key = NULL;
    X509 *old_cert = NULL, *self = NULL;
    X509_REQ *csr = NULL;
    X509_NAME *subject = NULL;
    scep_certrep rep;
    memset(&rep, 0, sizeof rep);
    scep_rc rc = scep_txn_load(ks, name, &t, &key, e);
    if (rc)
        return rc;
    r->msg_type = SCEP_MSG_CERTPOLL;
    memcpy(r->transaction_id, t.transaction_id, sizeof r->transaction_id);
    if (already_stored(ks, name, key, r)) {
        /* A crash after the certificate was stored but before the
         * transaction was dropped: finish that. */
        scep_txn_delete(ks, name, NULL);
        goto out;
    }
    unsigned caps;
    rc = caps_and_ca(c, &caps, r->ca_fpr, e);
    if (rc)
        goto out;
    subject = subject_from_hex(t.subject);
    if (!subject) {
        rc = scep_error_set(e, SCEP_E_IO, "corrupt subject in pending transaction \"%s\"",
                            name);
        goto out;
    }
    /* The poll is signed like the original request: the old certificate for a
     * renewal, else a self-signed certificate of the pending key. */
    exchange x = {.type = SCEP_MSG_CERTPOLL, .poll_subject = subject, .new_key = key};
    memcpy(x.tid, t.transaction_id, sizeof x.tid);
    if (t.msg_type == SCEP_MSG_RENEWALREQ && t.replace[0]) {
        rc = scep_keystore_load(ks, t.replace, &old_key, &old_cert, e);
        if (rc)
            goto out;
        x.signer_cert = old_cert;
        x.signer_key = old_key;
    } else {
        csr = X509_REQ_new();
        if (!csr || !X509_REQ_set_subject_name(csr, subject) ||
            !X509_REQ_set_pubkey(csr, key)) {
            rc = scep_error_set(e, SCEP_E_NOMEM, "poll request");
            goto out;
        }
        rc = scep_selfsigned(key, csr, &self, e);
        if (rc)
            goto out;
        x.signer_cert = self;
        x.signer_key = key;
    }
    rc = run_exchange(c, &x, &rep, e);
    t.polls++;
    r->polls = t.polls;
    if (rc == SCEP_E_PENDING) {
        scep_error se;
        scep_error_clear(&se);
        if (scep_txn_save(ks, &t, key, &se) != SCEP_OK)
            scep_log(SCEP_LOG_WARNING, "pending transaction %s: poll count not saved: %s",
                     t.transaction_id, se.text);
        goto out;
    }
    if (rc) {
        /* A definite answer (FAILURE) ends the transaction; a communication
         * error or a bad response keeps it for the next poll. */
        if (rc >= SCEP_E_FAILINFO_BADALG && rc <= SCEP_E_FAILURE)
            scep_txn_delete(ks, name, NULL);
        goto out;
    }
    rc = store_result(ks, name, key, &rep, t.usage, t.ipsec_policy, t.replace, r, e);
    if (!rc)
        scep_txn_delete(ks, name, NULL);
out:
    scep_certrep_clear(&rep);
    X509_NAME_free(subject);
    X509_REQ_free(csr);
    X509_free(self);
    X509_free(old_cert);
    EVP_PKEY_free(old_key);
    EVP_PKEY_free(key);
    return rc;
}
