/* fuzzctx.c - load the fixed context of the CertRep target (fuzzctx.h). */
#include "config.h"

#include "fuzzctx.h"

#include <limits.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_pair(const char *dir, const char *file, X509 **x, EVP_PKEY **k)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    *x = PEM_read_X509(f, NULL, NULL, NULL);
    *k = *x ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    fclose(f);
    return *x && *k ? 0 : -1;
}

int fuzz_ctx_load(fuzz_ctx *c)
{
    const char *dir = getenv("FUZZ_FIXTURES");
    if (!dir || !*dir)
        dir = FUZZ_FIXTURES;
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 16; i++)
        c->nonce[i] = (unsigned char)(i * 0x11);
    if (load_pair(dir, "client.pem", &c->cert, &c->key) ||
        load_pair(dir, "ca.pem", &c->ca, &c->ca_key)) {
        fprintf(stderr, "fuzz: cannot load the fixtures in %s\n", dir);
        return -1;
    }
    return 0;
}
