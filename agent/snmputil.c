/*
 * snmputil.c - small pure helpers shared by the MIB handlers: SET value checks
 * (wrongType / wrongLength / wrongValue), DateAndTime conversion, answers.
 */
#include "config.h"

#include "agent.h"

#include <string.h>
#include <time.h>

int agent_check_string(const netsnmp_variable_list *v, size_t min, size_t max)
{
    if (v->type != ASN_OCTET_STR)
        return SNMP_ERR_WRONGTYPE;
    if (v->val_len < min || v->val_len > max)
        return SNMP_ERR_WRONGLENGTH;
    return SNMP_ERR_NOERROR;
}

int agent_check_int(const netsnmp_variable_list *v, long min, long max)
{
    if (v->type != ASN_INTEGER)
        return SNMP_ERR_WRONGTYPE;
    if (v->val_len != sizeof(long))
        return SNMP_ERR_WRONGLENGTH;
    if (*v->val.integer < min || *v->val.integer > max)
        return SNMP_ERR_WRONGVALUE;
    return SNMP_ERR_NOERROR;
}

int agent_check_uint(const netsnmp_variable_list *v, unsigned long min, unsigned long max)
{
    if (v->type != ASN_UNSIGNED)
        return SNMP_ERR_WRONGTYPE;
    if (v->val_len != sizeof(long))
        return SNMP_ERR_WRONGLENGTH;
    unsigned long x = (unsigned long)*v->val.integer & 0xffffffffUL;
    if (x < min || x > max)
        return SNMP_ERR_WRONGVALUE;
    return SNMP_ERR_NOERROR;
}

int agent_check_truth(const netsnmp_variable_list *v)
{
    return agent_check_int(v, 1, 2); /* TruthValue: true(1), false(2) */
}

void agent_copy_string(const netsnmp_variable_list *v, char *dst, size_t n)
{
    size_t len = v->val_len < n - 1 ? v->val_len : n - 1;
    memcpy(dst, v->val.string, len);
    dst[len] = 0;
}

size_t agent_dateandtime(time_t t, unsigned char out[11])
{
    struct tm tm;
    if (t <= 0 || !localtime_r(&t, &tm))
        return 0;
    int year = tm.tm_year + 1900;
    long off = tm.tm_gmtoff; /* seconds east of UTC */
    out[0] = (unsigned char)(year >> 8);
    out[1] = (unsigned char)(year & 0xff);
    out[2] = (unsigned char)(tm.tm_mon + 1);
    out[3] = (unsigned char)tm.tm_mday;
    out[4] = (unsigned char)tm.tm_hour;
    out[5] = (unsigned char)tm.tm_min;
    out[6] = (unsigned char)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
    out[7] = 0; /* deci-seconds */
    out[8] = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    out[9] = (unsigned char)(off / 3600);
    out[10] = (unsigned char)((off % 3600) / 60);
    return 11;
}

time_t agent_dateandtime_parse(const unsigned char *in, size_t len)
{
    if (len != 8 && len != 11)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int year = (in[0] << 8) | in[1];
    if (year < 1970 || in[2] < 1 || in[2] > 12 || in[3] < 1 || in[3] > 31 || in[4] > 23 ||
        in[5] > 59 || in[6] > 60 || in[7] > 9)
        return -1;
    tm.tm_year = year - 1900;
    tm.tm_mon = in[2] - 1;
    tm.tm_mday = in[3];
    tm.tm_hour = in[4];
    tm.tm_min = in[5];
    tm.tm_sec = in[6];
    /* 30 February and the like: normalisation would move them, refuse them. */
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (in[3] > mdays[in[2] - 1] || (in[2] == 2 && in[3] == 29 && !leap))
        return -1;
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
