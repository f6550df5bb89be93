/*
 * request.c - the request model (M1-M7): one setter per request parameter,
 * from raw octets + length or a number, answering a scep_field_rc. The
 * manual request, the automatic request and the settings import all use
 * these, so each parameter has one rule. Also the DateAndTime check the
 * schema's start time needs (not SNMP-specific: a TC of 8 or 11 octets).
 *
 * The challenge is never part of a log line or an error text (X2).
 */
#include "config.h"

#include "scep-schema.h"

#include <string.h>
#include <time.h>

const char *scep_field_rc_text(scep_field_rc rc)
{
    switch (rc) {
    case SCEP_FIELD_OK:
        return "ok";
    case SCEP_FIELD_WRONG_LENGTH:
        return "wrong length";
    case SCEP_FIELD_WRONG_VALUE:
        return "invalid value";
    case SCEP_FIELD_INCONSISTENT:
        return "inconsistent value";
    }
    return "invalid value";
}

/* At most max octets (WRONG_LENGTH) without a NUL (WRONG_VALUE). */
static scep_field_rc octets_ok(const void *v, size_t len, size_t max)
{
    if (len > max)
        return SCEP_FIELD_WRONG_LENGTH;
    if (len && memchr(v, 0, len))
        return SCEP_FIELD_WRONG_VALUE;
    return SCEP_FIELD_OK;
}

/* Copy len octets (checked before) into dst[size] as a string, the rest
 * zeroed (nothing of a longer value before stays behind). */
static void put(char *dst, size_t size, const void *v, size_t len)
{
    memset(dst, 0, size);
    if (len)
        memcpy(dst, v, len);
}

scep_field_rc scep_req_set_name(scep_params *p, const void *v, size_t len)
{
    scep_field_rc rc = octets_ok(v, len, SCEP_NAME_MAX);
    if (rc)
        return rc;
    if (len && scep_check_name(v, len, NULL) != SCEP_OK)
        return SCEP_FIELD_WRONG_VALUE;
    put(p->name, sizeof p->name, v, len);
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_set_hash(scep_params *p, int64_t v)
{
    if (v < SCEP_HASH_SHA1 || v > SCEP_HASH_SHA512)
        return SCEP_FIELD_WRONG_VALUE;
    p->hash = (scep_hash)v;
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_set_bits(scep_params *p, int64_t v)
{
    if (v < 0 || v > 4096 || scep_check_bits((long)v, NULL) != SCEP_OK)
        return SCEP_FIELD_WRONG_VALUE;
    p->bits = (unsigned)v;
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_set_org(scep_params *p, const void *v, size_t len)
{
    scep_field_rc rc = octets_ok(v, len, SCEP_ORG_MAX);
    if (rc)
        return rc;
    const unsigned char *s = v;
    for (size_t i = 0; i < len; i++) /* what a CSR subject field can carry */
        if (s[i] < 0x20 || s[i] > 0x7e)
            return SCEP_FIELD_WRONG_VALUE;
    put(p->org, sizeof p->org, v, len);
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_set_cn(scep_params *p, const void *v, size_t len)
{
    scep_field_rc rc = octets_ok(v, len, SCEP_CN_MAX);
    if (rc)
        return rc;
    if (len && scep_check_cn(v, len, NULL) != SCEP_OK)
        return SCEP_FIELD_WRONG_VALUE;
    put(p->cn, sizeof p->cn, v, len);
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_set_challenge(scep_params *p, const void *v, size_t len)
{
    scep_field_rc rc = octets_ok(v, len, SCEP_CHALLENGE_MAX);
    if (rc)
        return rc;
    scep_wipe(p->challenge, sizeof p->challenge);
    put(p->challenge, sizeof p->challenge, v, len);
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_set_usage(scep_params *p, int64_t v)
{
    if (v < SCEP_USAGE_NONE || v > SCEP_USAGE_DOT1X)
        return SCEP_FIELD_WRONG_VALUE;
    p->usage = (scep_usage)v;
    return SCEP_FIELD_OK;
}

scep_field_rc scep_req_check_policy(const char *policy, const char *const *policies)
{
    if (!policy[0] || !policies)
        return SCEP_FIELD_OK;
    for (const char *const *q = policies; *q; q++)
        if (strcmp(*q, policy) == 0)
            return SCEP_FIELD_OK;
    return SCEP_FIELD_INCONSISTENT;
}

scep_field_rc scep_req_set_policy(scep_params *p, const void *v, size_t len,
                                  const char *const *policies)
{
    char buf[SCEP_POLICY_MAX + 1];
    scep_field_rc rc = octets_ok(v, len, SCEP_POLICY_MAX);
    if (rc)
        return rc;
    /* A name of one line: no control character (the state file, the key
     * store metadata and the pending transaction strip a trailing CR, so
     * "office\r" would come back as "office" after a restart; fuzz_state). */
    const unsigned char *o = v;
    for (size_t i = 0; i < len; i++)
        if (o[i] < 0x20 || o[i] == 0x7f)
            return SCEP_FIELD_WRONG_VALUE;
    put(buf, sizeof buf, v, len);
    if ((rc = scep_req_check_policy(buf, policies)) != SCEP_FIELD_OK)
        return rc;
    memcpy(p->ipsec_policy, buf, sizeof buf);
    return SCEP_FIELD_OK;
}

time_t scep_dateandtime_parse(const unsigned char *in, size_t len)
{
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct tm tm;
    if (!in || (len != 8 && len != 11))
        return -1;
    memset(&tm, 0, sizeof tm);
    int year = (in[0] << 8) | in[1];
    if (year < 1970 || in[2] < 1 || in[2] > 12 || in[3] < 1 || in[3] > 31 || in[4] > 23 ||
        in[5] > 59 || in[6] > 60 || in[7] > 9)
        return -1;
    /* 30 February and the like: normalisation would move them, refuse them. */
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (in[3] > mdays[in[2] - 1] || (in[2] == 2 && in[3] == 29 && !leap))
        return -1;
    tm.tm_year = year - 1900;
    tm.tm_mon = in[2] - 1;
    tm.tm_mday = in[3];
    tm.tm_hour = in[4];
    tm.tm_min = in[5];
    tm.tm_sec = in[6];
    if (len == 8) { /* local time */
        tm.tm_isdst = -1;
        return mktime(&tm);
    }
    if ((in[8] != '+' && in[8] != '-') || in[9] > 14 || in[10] > 59)
        return -1;
    time_t utc = timegm(&tm);
    long off = (long)in[9] * 3600 + (long)in[10] * 60;
    return in[8] == '+' ? utc - off : utc + off;
}
