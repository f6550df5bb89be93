/*
 * fuzz_envelope.c - what is inside the pkcsPKIEnvelope of a CertRep SUCCESS:
 * the input is the decrypted content (a certs-only PKCS#7 with the issued
 * certificate and the CA, from a real server). The harness builds a real
 * CertRep around it in the fixed context (fixtures/): encrypted to the
 * client's certificate, signed by the fixture CA, pkiStatus SUCCESS, the
 * request's transactionID and nonce (tests/scepsrv.c). Then the client's
 * parse (scep_certrep_parse) and its use of the issued certificate: the
 * columns of the key table and the PEM written to the key store.
 * fuzz_certrep cannot get there: a mutated envelope does not decrypt.
 */
#include "config.h"

#include "../scepsrv.h"
#include "fuzz.h"
#include "fuzzctx.h"

#include <stdlib.h>
#include <string.h>

static fuzz_ctx ctx;
static scepsrv_ca ca;
static scepsrv_req req;

static void setup(void)
{
    fuzz_init();
    if (fuzz_ctx_load(&ctx) != 0)
        abort();
    ca.key = ctx.ca_key;
    ca.cert = ctx.ca;
    req.type = SCEPSRV_PKCSREQ;
    snprintf(req.tid, sizeof req.tid, "%s", FUZZ_TID);
    memcpy(req.nonce, ctx.nonce, sizeof ctx.nonce);
    req.nonce_len = sizeof ctx.nonce;
    req.signer = ctx.cert;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    scepsrv_reply reply = {.status = SCEPSRV_SUCCESS,
                           .content = data,
                           .content_len = size,
                           .flags = SCEPSRV_F_SAME_NONCE};
    unsigned char *der = NULL;
    size_t len = 0;
    if (scepsrv_certrep(&ca, &req, &reply, &der, &len, NULL, 0) != 0)
        abort(); /* the harness itself */
    scep_certrep rep;
    scep_error e;
    scep_error_clear(&e);
    if (scep_certrep_parse(der, len, ctx.ca, ctx.nonce, FUZZ_TID, ctx.key, ctx.cert, NULL,
                           &rep, &e) == SCEP_OK) {
        /* SUCCESS names the certificate of the request's key, one of certs */
        if (rep.status != SCEP_STATUS_SUCCESS || !rep.cert || !rep.certs ||
            EVP_PKEY_eq(X509_get0_pubkey(rep.cert), ctx.key) != 1)
            __builtin_trap();
        scep_keyinfo ki;
        memset(&ki, 0, sizeof ki);
        scep_cert_fill_info(rep.cert, &ki);
        char *pem = NULL;
        size_t plen = 0;
        if (scep_cert_to_pem(rep.cert, &pem, &plen, &e) == SCEP_OK)
            free(pem);
    }
    scep_certrep_clear(&rep);
    OPENSSL_free(der);
    return 0;
}
