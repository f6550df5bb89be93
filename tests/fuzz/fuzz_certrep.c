/*
 * fuzz_certrep.c - the server's CertRep (RFC 8894 3.3.2): the SignedData,
 * its attributes (messageType, pkiStatus, failInfo, failInfoText, nonces,
 * transactionID), the pkcsPKIEnvelope decrypted with the request's key, the
 * degenerate certs-only PKCS#7 inside and the pick of the issued
 * certificate. The context is fixed (fixtures/, made by mkseeds): the
 * request's key and self-signed certificate, the CA as signer, the nonce
 * and transactionID the seeds answer. Built with --enable-fuzzing only, where
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION makes certrep.c skip the
 * signature check, so that mutations get past it.
 */
#include "config.h"

#include "fuzz.h"
#include "fuzzctx.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_ctx ctx;
    fuzz_init();
    if (!ctx.key && fuzz_ctx_load(&ctx) != 0)
        abort();
    scep_certrep rep;
    scep_error e;
    scep_error_clear(&e);
    if (scep_certrep_parse(data, size, ctx.ca, ctx.nonce, FUZZ_TID, ctx.key, ctx.cert, NULL,
                           &rep, &e) == SCEP_OK &&
        rep.status == SCEP_STATUS_SUCCESS && !rep.cert)
        __builtin_trap(); /* SUCCESS always names the issued certificate */
    scep_certrep_clear(&rep);
    return 0;
}
