/* fuzz_caps.c - the GetCACaps body (RFC 8894 3.5.2) and its formatting. */
#include "config.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512];
    fuzz_init();
    unsigned caps = scep_caps_parse((const char *)data, size);
    scep_caps_format(caps, buf, sizeof buf);
    return 0;
}
