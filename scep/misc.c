/* misc.c - wiping secrets. */
#include "config.h"

#include "scep-int.h"

#include <openssl/crypto.h>
#include <stdio.h>

void scep_wipe(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
}
