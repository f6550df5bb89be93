/*
 * ksfix.h - the fixture shared by test_keystore and test_kstxn: two keys, a
 * certificate maker and a fresh key store in a temp dir.
 */
#ifndef SCEP_KSFIX_H
#define SCEP_KSFIX_H

#include "scep-int.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

extern EVP_PKEY *key_a, *key_b; /* generated once: RSA 1024 is enough here */

/* Suite setup/teardown: generate / free key_a and key_b. */
int ksfix_init(void);
int ksfix_cleanup(void);

/* Self-signed certificate of k: subject [O=org,]CN=cn, serial, validity. */
X509 *ksfix_cert_at(EVP_PKEY *k, const char *cn, const char *org, long serial, time_t nb,
                    time_t na);
/* The same with O=Acme, serial 0x01AB, valid from an hour ago for a year. */
X509 *ksfix_cert(EVP_PKEY *k, const char *cn);

/* A fresh store (capacity cap) in <new temp dir>/store, path into dir; *base
 * is the temp dir to remove (tu_rmtree) and free. */
scep_keystore *ksfix_fresh(unsigned cap, char **base, char *dir, size_t n);
/* Store k under name with a ksfix_cert(k, name), no chain or policy. */
scep_rc ksfix_store(scep_keystore *ks, const char *name, EVP_PKEY *k, scep_usage u,
                    const char *replace, scep_keyinfo *out, scep_error *e);
/* Index of the stored key name, 0 if there is none. */
uint32_t ksfix_index_of(scep_keystore *ks, const char *name);

#endif /* SCEP_KSFIX_H */
