/*
 * fuzz_snmpvals.c - the agent's decoders of SNMP SET values: DateAndTime
 * (SNMPv2-TC, scep_dateandtime_parse), the BITS of scepcNotifyEnable, the
 * UTF-8 cut of DisplayStrings (the first byte is the limit), and the string rules of the
 * request and the server settings (key name, CN, organisation, challenge, IPsec policy,
 * URL, CA pin) as a SET hands them over: octets with a length, not C strings. The first
 * byte is an integer value for the integer setters.
 */
#include "config.h"

#include "agent.h"
#include "fuzz.h"
#include "scep-schema.h"

#include <stdlib.h>
#include <string.h>

static const char *const policies[] = {"office", "lab", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_init();
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    int64_t iv = (int8_t)data[0];

    (void)scep_dateandtime_parse(d, n);
    unsigned bits = 0;
    (void)agent_notify_bits_from_octets(d, n, &bits);

    /* exactly n octets, no terminator: what a varbind holds */
    uint8_t *v = malloc(n ? n : 1);
    if (!v)
        abort();
    memcpy(v, d, n);

    scep_params p;
    scep_params_init(&p);
    (void)scep_req_set_name(&p, v, n);
    (void)scep_req_set_cn(&p, v, n);
    (void)scep_req_set_org(&p, v, n);
    (void)scep_req_set_challenge(&p, v, n);
    (void)scep_req_set_policy(&p, v, n, policies);
    (void)scep_req_set_hash(&p, iv);
    (void)scep_req_set_bits(&p, iv * 64);
    (void)scep_req_set_usage(&p, iv);
    scep_params_wipe(&p);

    char *t = fuzz_text(d, n);
    size_t max = data[0]; /* a DisplayString's limit */
    size_t cut = agent_utf8_cut(t, max);
    if (cut > max || cut > strlen(t))
        __builtin_trap();
    scep_error e;
    char fpr[SCEP_FPR_HEX_LEN + 1];
    scep_error_clear(&e);
    (void)scep_check_url(t, strlen(t), &e);
    (void)scep_check_name(t, strlen(t), &e);
    (void)scep_check_cn(t, strlen(t), &e);
    (void)scep_normalize_fpr(t, strlen(t), fpr);
    free(t);
    free(v);
    return 0;
}
