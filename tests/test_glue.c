/*
 * test_glue.c - the pure parts of the SNMP glue (agent/): DateAndTime both
 * ways, the scepcNotifyEnable BITS, the scep_rc -> scepcHistDetail and
 * failInfo mappings, the setter category -> SNMP error mapping, the UTF-8
 * cut of table strings and the SET value checks, on hand-built varbinds.
 * No agent runs: the functions are called directly.
 */
#include "config.h"

#include "agent.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* 2023-11-14 22:13:20 UTC */
#define T0 ((time_t)1700000000)

static void check_dt(const char *tz, const unsigned char want[11])
{
    unsigned char dt[11];
    set_tz(tz);
    CU_ASSERT_EQUAL_FATAL(agent_dateandtime(T0, dt), 11);
    CU_ASSERT_EQUAL(memcmp(dt, want, 11), 0);
    CU_ASSERT_EQUAL(agent_dateandtime_parse(dt, 11), T0); /* round trip */
}

static void test_dateandtime_out(void)
{
    static const unsigned char utc[11] = {0x07, 0xe7, 11, 14, 22, 13, 20, 0, '+', 0, 0};
    static const unsigned char cet[11] = {0x07, 0xe7, 11, 14, 23, 13, 20, 0, '+', 1, 0};
    static const unsigned char est[11] = {0x07, 0xe7, 11, 14, 17, 13, 20, 0, '-', 5, 0};
    static const unsigned char ind[11] = {0x07, 0xe7, 11, 15, 3, 43, 20, 0, '+', 5, 30};
    check_dt("UTC0", utc);
    check_dt("CET-1CEST,M3.5.0,M10.5.0/3", cet);
    check_dt("EST5EDT,M3.2.0,M11.1.0", est);
    check_dt("IST-5:30", ind); /* a half-hour offset, over midnight */
    unsigned char dt[11];
    CU_ASSERT_EQUAL(agent_dateandtime(0, dt), 0); /* "not set" */
    CU_ASSERT_EQUAL(agent_dateandtime(-5, dt), 0);
    set_tz("UTC0");
}

static void test_dateandtime_in(void)
{
    set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
    /* 8 octets: the agent's local time (here +01:00 in November) */
    static const unsigned char local[8] = {0x07, 0xe7, 11, 14, 23, 13, 20, 0};
    CU_ASSERT_EQUAL(agent_dateandtime_parse(local, 8), T0);
    /* summer time: 2023-07-01 12:00 local = 10:00 UTC */
    static const unsigned char summer[8] = {0x07, 0xe7, 7, 1, 12, 0, 0, 0};
    CU_ASSERT_EQUAL(agent_dateandtime_parse(summer, 8), (time_t)1688205600);
    /* 11 octets: the offset given wins over the local zone */
    static const unsigned char minus[11] = {0x07, 0xe7, 11, 14, 17, 13, 20, 0, '-', 5, 0};
    CU_ASSERT_EQUAL(agent_dateandtime_parse(minus, 11), T0);
    static const unsigned char leap_ok[8] = {0x07, 0xe8, 2, 29, 0, 0, 0, 0}; /* 2024 */
    CU_ASSERT(agent_dateandtime_parse(leap_ok, 8) > 0);

    static const struct {
        const char *why;
        unsigned char v[11];
        size_t len;
    } bad[] = {
        {"30 February", {0x07, 0xe8, 2, 30, 0, 0, 0, 0}, 8},
        {"29 February 2023", {0x07, 0xe7, 2, 29, 0, 0, 0, 0}, 8},
        {"31 April", {0x07, 0xe7, 4, 31, 0, 0, 0, 0}, 8},
        {"month 13", {0x07, 0xe7, 13, 1, 0, 0, 0, 0}, 8},
        {"month 0", {0x07, 0xe7, 0, 1, 0, 0, 0, 0}, 8},
        {"day 0", {0x07, 0xe7, 1, 0, 0, 0, 0, 0}, 8},
        {"hour 24", {0x07, 0xe7, 1, 1, 24, 0, 0, 0}, 8},
        {"minute 60", {0x07, 0xe7, 1, 1, 0, 60, 0, 0}, 8},
        {"deci-seconds 10", {0x07, 0xe7, 1, 1, 0, 0, 0, 10}, 8},
        {"offset sign", {0x07, 0xe7, 1, 1, 0, 0, 0, 0, '*', 1, 0}, 11},
        {"offset hours 15", {0x07, 0xe7, 1, 1, 0, 0, 0, 0, '+', 15, 0}, 11},
        {"offset minutes 60", {0x07, 0xe7, 1, 1, 0, 0, 0, 0, '+', 1, 60}, 11},
        {"length 9", {0x07, 0xe7, 1, 1, 0, 0, 0, 0, '+'}, 9},
        {"length 7", {0x07, 0xe7, 1, 1, 0, 0, 0}, 7},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        time_t t = agent_dateandtime_parse(bad[i].v, bad[i].len);
        if (t != (time_t)-1)
            fprintf(stderr, "accepted: %s\n", bad[i].why);
        CU_ASSERT_EQUAL(t, (time_t)-1);
    }
    set_tz("UTC0");
}

static void test_notify_bits(void)
{
    CU_ASSERT_EQUAL(agent_notify_bits_to_octet(0x1f), 0xf8);
    CU_ASSERT_EQUAL(agent_notify_bits_to_octet(0x01), 0x80); /* bit 0 is the MSB */
    CU_ASSERT_EQUAL(agent_notify_bits_to_octet(0x10), 0x08);
    CU_ASSERT_EQUAL(agent_notify_bits_to_octet(0), 0);
    unsigned bits = 99;
    unsigned char o = 0xf8;
    CU_ASSERT_EQUAL(agent_notify_bits_from_octets(&o, 1, &bits), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(bits, 0x1f);
    o = 0x48; /* bits 1 and 4 */
    CU_ASSERT_EQUAL(agent_notify_bits_from_octets(&o, 1, &bits), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(bits, (1u << 1) | (1u << 4));
    CU_ASSERT_EQUAL(agent_notify_bits_from_octets(&o, 0, &bits), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(bits, 0);          /* zero length: none */
    for (unsigned b = 5; b < 8; b++) { /* bits 5-7 are not defined */
        o = (unsigned char)(0x80u >> b);
        CU_ASSERT_EQUAL(agent_notify_bits_from_octets(&o, 1, &bits), SNMP_ERR_WRONGVALUE);
    }
    unsigned char two[2] = {0x80, 0};
    CU_ASSERT_EQUAL(agent_notify_bits_from_octets(two, 2, &bits), SNMP_ERR_WRONGLENGTH);
    for (unsigned v = 0; v < 32; v++) { /* round trip of every defined value */
        o = agent_notify_bits_to_octet(v);
        CU_ASSERT_EQUAL(agent_notify_bits_from_octets(&o, 1, &bits), SNMP_ERR_NOERROR);
        CU_ASSERT_EQUAL(bits, v);
    }
}

static void test_hist_mapping(void)
{
    int seen[41] = {0};
    for (int rc = 0; rc < SCEP_E_LAST; rc++) {
        int d = agent_hist_detail((scep_rc)rc);
        CU_ASSERT(d >= 1 && d <= 40);
        if (d >= 1 && d <= 40 && rc != SCEP_E_INTERNAL)
            seen[d]++;
    }
    for (int d = 1; d <= 40;
         d++) /* each detail once; internalError(39) is not a code's own */
        CU_ASSERT_EQUAL(seen[d], d == 39 ? 0 : 1);
    /* spot checks against the MIB's labels */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_OK), 1);                /* noError */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_PENDING), 2);         /* pending */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_TCP), 4);             /* tcpError */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_TIMEOUT), 11);        /* timeout */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_FAILINFO_BADREQ), 8); /* failInfoBadRequest */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_COMMAND), 29);   /* restartCommandFailed */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_CANCELLED), 30); /* cancelled */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_INTERNAL), 39);  /* internalError */
    CU_ASSERT_EQUAL(agent_hist_detail(SCEP_E_CERT_UNTRUSTED),
                    40); /* certificateUntrusted */
    CU_ASSERT_EQUAL(agent_hist_detail((scep_rc)(SCEP_E_LAST + 7)), 39); /* unknown */
    CU_ASSERT_EQUAL(agent_hist_failinfo(-1), 1);                        /* none(1) */
    for (int f = 0; f <= 4; f++)
        CU_ASSERT_EQUAL(agent_hist_failinfo(f), f + 2);
    CU_ASSERT_EQUAL(agent_hist_failinfo(5), 1);
}

static void test_snmp_err(void)
{
    CU_ASSERT_EQUAL(agent_snmp_err(SCEP_FIELD_OK), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(agent_snmp_err(SCEP_FIELD_WRONG_LENGTH), SNMP_ERR_WRONGLENGTH);
    CU_ASSERT_EQUAL(agent_snmp_err(SCEP_FIELD_WRONG_VALUE), SNMP_ERR_WRONGVALUE);
    CU_ASSERT_EQUAL(agent_snmp_err(SCEP_FIELD_INCONSISTENT), SNMP_ERR_INCONSISTENTVALUE);
}

static void test_utf8_cut(void)
{
    CU_ASSERT_EQUAL(agent_utf8_cut("abcdef", 10), 6);
    CU_ASSERT_EQUAL(agent_utf8_cut("abcdef", 4), 4);
    CU_ASSERT_EQUAL(agent_utf8_cut("", 0), 0);
    const char *two = "ab\xc3\xa9z"; /* e-acute: 2 octets at 2..3 */
    CU_ASSERT_EQUAL(agent_utf8_cut(two, 3), 2);
    CU_ASSERT_EQUAL(agent_utf8_cut(two, 4), 4);
    const char *three = "a\xe2\x82\xac"; /* euro sign: 3 octets at 1..3 */
    CU_ASSERT_EQUAL(agent_utf8_cut(three, 2), 1);
    CU_ASSERT_EQUAL(agent_utf8_cut(three, 3), 1);
    CU_ASSERT_EQUAL(agent_utf8_cut(three, 4), 4);
    const char *four = "\xf0\x9f\x94\x91x"; /* key emoji: 4 octets at 0..3 */
    CU_ASSERT_EQUAL(agent_utf8_cut(four, 1), 0);
    CU_ASSERT_EQUAL(agent_utf8_cut(four, 3), 0);
    CU_ASSERT_EQUAL(agent_utf8_cut(four, 4), 4);
}

static void vb(netsnmp_variable_list *v, u_char type, const void *val, size_t len)
{
    memset(v, 0, sizeof *v);
    snmp_set_var_typed_value(v, type, val, len);
}

static void test_value_checks(void)
{
    netsnmp_variable_list v;
    long i = 5;
    u_long u = 4000000000UL;
    vb(&v, ASN_OCTET_STR, "abc", 3);
    CU_ASSERT_EQUAL(agent_check_string(&v, 0, 3), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(agent_check_string(&v, 0, 2), SNMP_ERR_WRONGLENGTH);
    CU_ASSERT_EQUAL(agent_check_string(&v, 4, 8), SNMP_ERR_WRONGLENGTH);
    CU_ASSERT_EQUAL(agent_check_int(&v, 0, 9), SNMP_ERR_WRONGTYPE);
    snmp_free_var_internals(&v);

    vb(&v, ASN_INTEGER, &i, sizeof i);
    CU_ASSERT_EQUAL(agent_check_int(&v, 1, 5), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(agent_check_int(&v, 6, 9), SNMP_ERR_WRONGVALUE);
    CU_ASSERT_EQUAL(agent_check_uint(&v, 0, 9), SNMP_ERR_WRONGTYPE);
    CU_ASSERT_EQUAL(agent_check_string(&v, 0, 9), SNMP_ERR_WRONGTYPE);
    CU_ASSERT_EQUAL(agent_check_truth(&v), SNMP_ERR_WRONGVALUE);
    i = 2;
    snmp_set_var_typed_value(&v, ASN_INTEGER, &i, sizeof i);
    CU_ASSERT_EQUAL(agent_check_truth(&v), SNMP_ERR_NOERROR);
    snmp_free_var_internals(&v);

    vb(&v, ASN_UNSIGNED, &u, sizeof u);
    CU_ASSERT_EQUAL(agent_check_uint(&v, 0, 0xffffffffUL), SNMP_ERR_NOERROR);
    CU_ASSERT_EQUAL(agent_check_uint(&v, 0, 3999999999UL), SNMP_ERR_WRONGVALUE);
    CU_ASSERT_EQUAL(agent_check_int(&v, 0, 9), SNMP_ERR_WRONGTYPE);
    snmp_free_var_internals(&v);

    vb(&v, ASN_COUNTER, &u, sizeof u); /* Counter32 is not Unsigned32 (Gauge32 is) */
    CU_ASSERT_EQUAL(agent_check_uint(&v, 0, 0xffffffffUL), SNMP_ERR_WRONGTYPE);
    snmp_free_var_internals(&v);
}

/* ipsecPolicy: a name scep_req_set_policy accepts (no control character). */
static void test_conf_policy(void)
{
    char *dir = tu_mkdtemp("glue");
    char path[600];
    agent_conf c;
    snprintf(path, sizeof path, "%s/a.conf", dir);
    tu_write_text(dir, "a.conf", "ipsecPolicy office\nipsecPolicy b\xc3\xbcro\n");
    agent_conf_defaults(&c);
    CU_ASSERT_EQUAL_FATAL(agent_conf_load(path, &c), 0);
    CU_ASSERT_EQUAL(c.n_policies, 2);
    CU_ASSERT_STRING_EQUAL(c.policies[1], "b\xc3\xbcro");
    tu_write_text(dir, "a.conf", "ipsecPolicy of\tfice\n");
    CU_ASSERT_EQUAL(agent_conf_load(path, &c), -1);
    tu_write_text(dir, "a.conf", "ipsecPolicy office\x7f\n");
    CU_ASSERT_EQUAL(agent_conf_load(path, &c), -1);
    CU_ASSERT_EQUAL(c.n_policies, 2); /* refused whole: unchanged */
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    static const tu_case cases[] = {
        {"DateAndTime out: zones, offsets", test_dateandtime_out},
        {"DateAndTime in: local, offset, bad dates", test_dateandtime_in},
        {"scepcNotifyEnable BITS", test_notify_bits},
        {"scep_rc -> scepcHistDetail, failInfo", test_hist_mapping},
        {"setter category -> SNMP error", test_snmp_err},
        {"UTF-8 cut", test_utf8_cut},
        {"SET value checks", test_value_checks},
        {"local config: ipsecPolicy characters", test_conf_policy},
        {NULL, NULL}};
    return tu_run("glue", cases);
}
