/* misc.c - library versions, wiping secrets. */
#include "config.h"

#include "scep-int.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>

const char *scep_version_info(void)
{
    static char buf[160];
    const curl_version_info_data *c = curl_version_info(CURLVERSION_NOW);
    snprintf(buf, sizeof buf, "%s, libcurl %s", OpenSSL_version(OPENSSL_VERSION),
             c ? c->version : "?");
    return buf;
}

void scep_wipe(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
}
