/*
 * snmputil.c - small pure helpers shared by the MIB handlers: SET value checks
 * (wrongType / wrongLength / wrongValue), DateAndTime conversion, answers.
 */
#include "config.h"

#include "agent.h"

#include <net-snmp/library/check_varbind.h>
#include <net-snmp/library/snmp-tc.h>

#include <string.h>
#include <time.h>

/* The type/length/range checks are Net-SNMP's (check_varbind.h); only the
 * 32-bit range of an Unsigned32 is ours (netsnmp_check_vb_range compares
 * the long as it is). */
int agent_check_string(const netsnmp_variable_list *v, size_t min, size_t max)
{
    int err = netsnmp_check_vb_type(v, ASN_OCTET_STR);
    return err ? err : netsnmp_check_vb_size_range(v, min, max);
}

int agent_check_int(const netsnmp_variable_list *v, long min, long max)
{
    int err = netsnmp_check_vb_int(v);
    if (err)
        return err;
    if (*v->val.integer < min || *v->val.integer > max)
        return SNMP_ERR_WRONGVALUE;
    return SNMP_ERR_NOERROR;
}

int agent_check_uint(const netsnmp_variable_list *v, unsigned long min, unsigned long max)
{
    int err = netsnmp_check_vb_uint(v);
    if (err)
        return err;
    unsigned long x = (unsigned long)*v->val.integer & 0xffffffffUL;
    if (x < min || x > max)
        return SNMP_ERR_WRONGVALUE;
    return SNMP_ERR_NOERROR;
}

int agent_check_truth(const netsnmp_variable_list *v)
{
    return netsnmp_check_vb_truthvalue(v); /* TruthValue: true(1), false(2) */
}

void agent_copy_string(const netsnmp_variable_list *v, char *dst, size_t n)
{
    size_t len = v->val_len < n - 1 ? v->val_len : n - 1;
    memcpy(dst, v->val.string, len);
    dst[len] = 0;
}

size_t agent_dateandtime(time_t t, unsigned char out[11])
{
    size_t len = 0;
    const u_char *dt = t > 0 ? date_n_time(&t, &len) : NULL; /* local time + offset */
    if (!dt || len != 11)
        return 0;
    memcpy(out, dt, 11);
    if (out[6] > 59) /* a leap second reads as :59 (DateAndTime allows 60) */
        out[6] = 59;
    return 11;
}

void agent_var_time(netsnmp_variable_list *v, time_t t)
{
    unsigned char dt[11] = {0};
    size_t n = t > 0 ? agent_dateandtime(t, dt) : 0;
    snmp_set_var_typed_value(v, ASN_OCTET_STR, dt, n ? n : 8); /* unknown: 8 zeros */
}

time_t agent_dateandtime_parse(const unsigned char *in, size_t len)
{
    return scep_dateandtime_parse(in, len);
}

void agent_set_string(netsnmp_request_info *r, const char *s)
{
    snmp_set_var_typed_value(r->requestvb, ASN_OCTET_STR, s, strlen(s));
}

void agent_set_octets(netsnmp_request_info *r, const void *p, size_t n)
{
    snmp_set_var_typed_value(r->requestvb, ASN_OCTET_STR, p, n);
}

void agent_set_int(netsnmp_request_info *r, u_char type, long v)
{
    if (type == ASN_INTEGER) {
        snmp_set_var_typed_value(r->requestvb, type, &v, sizeof v);
    } else { /* Unsigned32, Gauge32, Counter32, TimeTicks */
        u_long u = (u_long)v & 0xffffffffUL;
        snmp_set_var_typed_value(r->requestvb, type, &u, sizeof u);
    }
}

void agent_var_str(netsnmp_variable_list *v, const char *s, size_t max)
{
    snmp_set_var_typed_value(v, ASN_OCTET_STR, s, agent_utf8_cut(s, max));
}

void agent_var_uint(netsnmp_variable_list *v, u_char type, unsigned long x)
{
    u_long u = x & 0xffffffffUL;
    snmp_set_var_typed_value(v, type, &u, sizeof u);
}

void agent_var_int(netsnmp_variable_list *v, long x)
{
    snmp_set_var_typed_value(v, ASN_INTEGER, &x, sizeof x);
}
