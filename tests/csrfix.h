/*
 * csrfix.h - the fixture shared by test_csr and test_msg: a client key, a
 * local "CA" (key + self-signed certificate made with libscep) and CSRs
 * built from a few parameters.
 */
#ifndef SCEP_CSRFIX_H
#define SCEP_CSRFIX_H

#include "scep-int.h"

#include <time.h>

extern EVP_PKEY *key1024; /* the client key most tests use (RSA 1024) */
extern EVP_PKEY *ca_key;  /* a local "CA" */
extern X509 *ca_cert;

/* Suite setup/teardown: generate / free the keys and the CA certificate. */
int csrfix_init(void);
int csrfix_cleanup(void);

/* scep_params of key "k1" with these subject fields, challenge, usage, hash. */
void csrfix_params(scep_params *p, const char *org, const char *cn, const char *chal,
                   scep_usage u, scep_hash h);
/* A CSR for key1024 built from csrfix_params (asserts it worked). */
X509_REQ *csrfix_csr(const char *org, const char *cn, const char *chal, scep_usage u,
                     scep_hash h);

/* A scep_set_clock() clock stuck at 1700000000: the scheduler clock must not
 * move what goes on the wire. */
time_t csrfix_fixed_clock(void *ctx);

#endif /* SCEP_CSRFIX_H */
