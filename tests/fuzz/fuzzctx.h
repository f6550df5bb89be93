/*
 * fuzzctx.h - the fixed context of the CertRep target and of mkseeds, which
 * writes it (fixtures/): the request's key and self-signed certificate, the
 * CA that answers, the senderNonce and transactionID of the request.
 */
#ifndef SCEP_FUZZCTX_H
#define SCEP_FUZZCTX_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#define FUZZ_TID "4f9d2a7c1e5b8d3f6a0c9e2b7d4f1a8c"

typedef struct fuzz_ctx {
    EVP_PKEY *key;    /* the request's key (fixtures/client.pem) */
    X509 *cert;       /* its self-signed certificate (the request's signer) */
    EVP_PKEY *ca_key; /* the CA (fixtures/ca.pem): signs the CertReps */
    X509 *ca;
    unsigned char nonce[16]; /* 0x00, 0x11 ... 0xff */
} fuzz_ctx;

/* Load fixtures/ (FUZZ_FIXTURES, or $FUZZ_FIXTURES at run time); 0 = ok. */
int fuzz_ctx_load(fuzz_ctx *c);

#endif /* SCEP_FUZZCTX_H */
