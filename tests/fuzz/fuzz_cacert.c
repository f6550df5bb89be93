/*
 * fuzz_cacert.c - the GetCACert body (RFC 8894 4.2.1): one certificate (DER
 * or PEM) or a degenerate PKCS#7 chain, parsed with both content types, then
 * the CA/RA selection (B3) and the fingerprint of what was picked.
 */
#include "config.h"

#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"application/x-x509-ca-cert",
                                        "application/x-x509-ca-ra-cert", "text/plain"};
    fuzz_init();
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        scep_ca ca;
        scep_error e;
        memset(&ca, 0, sizeof ca);
        scep_error_clear(&e);
        if (scep_ca_parse(data, size, types[i], &ca, &e) == SCEP_OK) {
            char fpr[SCEP_FPR_HEX_LEN + 1];
            if (!ca.ca || !ca.enc || !ca.sig)
                __builtin_trap(); /* a parsed answer always has all three */
            (void)scep_cert_fpr_hex(ca.ca, fpr);
        }
        scep_ca_clear(&ca);
    }
    return 0;
}
