/*
 * mib_auto.c - scepcAuto (SPEC.md A1-A8, B4, S4, M10): the parameters of the
 * automatic request, read-write, validated and persisted; its status objects.
 *
 * This file stores, validates and persists the objects and makes the timer
 * lock the server settings (mib_settings.c checks scepcAutoEnable in the state
 * the PDU produces) and the manual request (enroll.c). Running the automatic
 * requests is the scheduler's job (next issue); it reports through
 * g_auto_status, which is run-time only and deliberately not part of
 * agent_state: the SET stage copies agent_state at RESERVE1 and swaps the copy
 * in at ACTION, so a counter kept there and bumped by a job's done callback
 * between an AgentX TestSet and CommitSet would be lost.
 *
 * Until the scheduler lands: scepcAutoOperStatus is disabled(2) or enabled(1)
 * (running(4) and finished(3) come from g_auto_status, set by the scheduler);
 * scepcAutoNextRun is the start time when the timer is on and that time is
 * still ahead (the random delay of A2 is added by the scheduler, which then
 * sets g_auto_status.next_run), else the 8 zero octets; scepcAutoFailures and
 * scepcAutoLastFailed read 0 and the 8 zero octets.
 *
 * SET rules (MIB DESCRIPTIONs): every automatic parameter may be changed
 * while the timer is on (A7, A8: they take effect at the next run), but the
 * state the whole PDU produces must stay complete while the timer is on:
 * writing scepcAutoEnable true(1), or emptying the key name or common name,
 * or choosing ipsec without a configured policy, while it is on gives
 * inconsistentValue. A start time is not required: the all-zero default has
 * always passed, so the first run is made at once (plus the random delay).
 */
#include "config.h"

#include "agent.h"

#include <string.h>

enum {
    COL_ENABLE = 1,
    COL_START = 2,
    COL_JITTER = 3,
    COL_POLL_COUNT = 4,
    COL_POLL_INTERVAL = 5,
    COL_INTERVAL = 6,
    COL_RESTART = 7,
    COL_DELETE_PREV = 8,
    COL_RENEW_DAYS = 9,
    COL_KEY_NAME = 10,
    COL_HASH = 11,
    COL_BITS = 12,
    COL_ORG = 13,
    COL_CN = 14,
    COL_CHALLENGE = 15,
    COL_CHALLENGE_SET = 16,
    COL_USAGE = 17,
    COL_POLICY = 18,
    COL_OPER = 19,
    COL_NEXT_RUN = 20,
    COL_FAILURES = 21,
    COL_LAST_FAILED = 22
};

enum { OPER_ENABLED = 1, OPER_DISABLED = 2, OPER_FINISHED = 3, OPER_RUNNING = 4 };

agent_auto_status g_auto_status;

static const unsigned char zero_dt[8];

static long truth(int b)
{
    return b ? 1 : 2;
}

static int all_zero(const unsigned char *p, size_t n)
{
    int z = 1;
    for (size_t i = 0; i < n; i++)
        z &= p[i] == 0;
    return z;
}

int agent_auto_set_start(agent_auto *a, const unsigned char *dt, size_t len)
{
    if (len != 8 && len != 11)
        return SNMP_ERR_WRONGLENGTH;
    int unset = all_zero(dt, len);
    if (!unset && agent_dateandtime_parse(dt, len) == (time_t)-1)
        return SNMP_ERR_WRONGVALUE;
    memset(a->start, 0, sizeof a->start);
    a->start_len = 0; /* the all-zero default: reads back as 8 zero octets */
    if (!unset) {
        memcpy(a->start, dt, len);
        a->start_len = len;
    }
    return SNMP_ERR_NOERROR;
}

int agent_auto_interval_valid(unsigned long secs)
{
    return secs == 0 || (secs >= 60 && secs <= 0xffffffffUL);
}

time_t agent_auto_start_time(const agent_auto *a)
{
    if (a->start_len != 8 && a->start_len != 11)
        return 0;
    time_t t = agent_dateandtime_parse(a->start, a->start_len);
    return t == (time_t)-1 ? 0 : t;
}

const char *agent_auto_incomplete(const agent_state *s)
{
    const agent_auto *a = &s->autoreq;
    if (!s->url[0])
        return "scepcServerUrl is empty";
    if (!a->p.name[0] || scep_check_name(a->p.name, strlen(a->p.name), NULL) != SCEP_OK)
        return "scepcAutoKeyName is empty or invalid";
    if (!a->p.cn[0] || scep_check_cn(a->p.cn, strlen(a->p.cn), NULL) != SCEP_OK)
        return "scepcAutoCommonName is empty or invalid";
    if (a->p.usage == SCEP_USAGE_IPSEC &&
        !agent_conf_policy_known(&g_agent.conf, a->p.ipsec_policy))
        return "scepcAutoUsage is ipsec and scepcAutoIpsecPolicy is not a configured "
               "policy";
    return NULL;
}

static int oper_status(void)
{
    if (!g_agent.st.autoreq.enable)
        return OPER_DISABLED;
    if (g_auto_status.running)
        return OPER_RUNNING;
    if (g_auto_status.finished)
        return OPER_FINISHED;
    return OPER_ENABLED;
}

/* The next run: the scheduler's when it has one, else the start time while it
 * is ahead; nothing while the timer is off or finished. */
static time_t next_run(void)
{
    int oper = oper_status();
    if (oper == OPER_DISABLED || oper == OPER_FINISHED)
        return 0;
    if (g_auto_status.next_run > 0)
        return g_auto_status.next_run;
    time_t t = agent_auto_start_time(&g_agent.st.autoreq);
    return t > scep_now() ? t : 0;
}

static void set_time(netsnmp_request_info *r, time_t t)
{
    unsigned char dt[11];
    size_t n = t > 0 ? agent_dateandtime(t, dt) : 0;
    if (n)
        agent_set_octets(r, dt, n);
    else
        agent_set_octets(r, zero_dt, sizeof zero_dt);
}

static void get_one(netsnmp_request_info *r, int col)
{
    const agent_auto *a = &g_agent.st.autoreq;
    switch (col) {
    case COL_ENABLE:
        agent_set_int(r, ASN_INTEGER, truth(a->enable));
        break;
    case COL_START:
        if (a->start_len == 8 || a->start_len == 11)
            agent_set_octets(r, a->start, a->start_len);
        else
            agent_set_octets(r, zero_dt, sizeof zero_dt);
        break;
    case COL_JITTER:
        agent_set_int(r, ASN_INTEGER, truth(a->jitter));
        break;
    case COL_POLL_COUNT:
        agent_set_int(r, ASN_UNSIGNED, (long)a->poll_count);
        break;
    case COL_POLL_INTERVAL:
        agent_set_int(r, ASN_UNSIGNED, (long)a->poll_interval);
        break;
    case COL_INTERVAL:
        agent_set_int(r, ASN_UNSIGNED, (long)a->interval);
        break;
    case COL_RESTART:
        agent_set_int(r, ASN_INTEGER, truth(a->restart));
        break;
    case COL_DELETE_PREV:
        agent_set_int(r, ASN_INTEGER, truth(a->delete_previous));
        break;
    case COL_RENEW_DAYS:
        agent_set_int(r, ASN_UNSIGNED, (long)a->renew_days);
        break;
    case COL_KEY_NAME:
        agent_set_string(r, a->p.name);
        break;
    case COL_HASH:
        agent_set_int(r, ASN_INTEGER, (long)a->p.hash);
        break;
    case COL_BITS:
        agent_set_int(r, ASN_UNSIGNED, (long)a->p.bits);
        break;
    case COL_ORG:
        agent_set_string(r, a->p.org);
        break;
    case COL_CN:
        agent_set_string(r, a->p.cn);
        break;
    case COL_CHALLENGE: /* X2: write-only in effect */
        agent_set_string(r, "");
        break;
    case COL_CHALLENGE_SET:
        agent_set_int(r, ASN_INTEGER, truth(a->p.challenge[0] != 0));
        break;
    case COL_USAGE:
        agent_set_int(r, ASN_INTEGER, (long)a->p.usage);
        break;
    case COL_POLICY:
        agent_set_string(r, a->p.ipsec_policy);
        break;
    case COL_OPER:
        agent_set_int(r, ASN_INTEGER, oper_status());
        break;
    case COL_NEXT_RUN:
        set_time(r, next_run());
        break;
    case COL_FAILURES:
        agent_set_int(r, ASN_COUNTER, (long)g_auto_status.failures);
        break;
    case COL_LAST_FAILED:
        set_time(r, g_auto_status.last_failed);
        break;
    default:
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
    }
}

/* An OCTET STRING of at most max octets without a NUL, into dst. */
static int take_string(const netsnmp_variable_list *v, size_t max, char *dst, size_t n)
{
    int err = agent_check_string(v, 0, max);
    if (err)
        return err;
    if (v->val_len && memchr(v->val.string, 0, v->val_len))
        return SNMP_ERR_WRONGVALUE;
    agent_copy_string(v, dst, n);
    return SNMP_ERR_NOERROR;
}

static int set_truth(agent_auto *a, const netsnmp_variable_list *v, int col)
{
    int err = agent_check_truth(v);
    if (err)
        return err;
    int b = *v->val.integer == 1;
    if (col == COL_ENABLE)
        a->enable = b;
    else if (col == COL_JITTER)
        a->jitter = b;
    else if (col == COL_RESTART)
        a->restart = b;
    else
        a->delete_previous = b;
    return SNMP_ERR_NOERROR;
}

/* RESERVE1: syntax and range, then the new value goes into the stage. */
static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    agent_auto *a = &stg->st.autoreq;
    char buf[SCEP_CHALLENGE_MAX + 1];
    int err = SNMP_ERR_NOERROR;
    switch (col) {
    case COL_ENABLE:
    case COL_JITTER:
    case COL_RESTART:
    case COL_DELETE_PREV:
        err = set_truth(a, v, col);
        break;
    case COL_START:
        if (v->type != ASN_OCTET_STR)
            return SNMP_ERR_WRONGTYPE;
        err = agent_auto_set_start(a, v->val.string, v->val_len);
        break;
    case COL_POLL_COUNT:
        if (!(err = agent_check_uint(v, 0, 1000)))
            a->poll_count = (unsigned)*v->val.integer;
        break;
    case COL_POLL_INTERVAL:
        if (!(err = agent_check_uint(v, 1, 86400)))
            a->poll_interval = (unsigned)*v->val.integer;
        break;
    case COL_INTERVAL:
        if ((err = agent_check_uint(v, 0, 0xffffffffUL)))
            return err;
        if (!agent_auto_interval_valid((unsigned long)*v->val.integer & 0xffffffffUL))
            return SNMP_ERR_WRONGVALUE;
        a->interval = (unsigned)((unsigned long)*v->val.integer & 0xffffffffUL);
        break;
    case COL_RENEW_DAYS:
        if (!(err = agent_check_uint(v, 0, 3650)))
            a->renew_days = (unsigned)*v->val.integer;
        break;
    case COL_KEY_NAME:
        if ((err = take_string(v, SCEP_NAME_MAX, buf, sizeof buf)))
            return err;
        if (buf[0] && scep_check_name(buf, strlen(buf), NULL) != SCEP_OK)
            return SNMP_ERR_WRONGVALUE;
        memcpy(a->p.name, buf, strlen(buf) + 1);
        break;
    case COL_HASH:
        if (!(err = agent_check_int(v, SCEP_HASH_SHA1, SCEP_HASH_SHA512)))
            a->p.hash = (scep_hash)*v->val.integer;
        break;
    case COL_BITS:
        if ((err = agent_check_uint(v, 0, 0xffffffffUL)))
            return err;
        if (scep_check_bits(*v->val.integer, NULL) != SCEP_OK)
            return SNMP_ERR_WRONGVALUE;
        a->p.bits = (unsigned)*v->val.integer;
        break;
    case COL_ORG:
        if ((err = take_string(v, SCEP_ORG_MAX, buf, sizeof buf)))
            return err;
        if (!agent_printable(buf)) /* as the manual request: the CSR needs it */
            return SNMP_ERR_WRONGVALUE;
        memcpy(a->p.org, buf, strlen(buf) + 1);
        break;
    case COL_CN:
        if ((err = take_string(v, SCEP_CN_MAX, buf, sizeof buf)))
            return err;
        if (buf[0] && scep_check_cn(buf, strlen(buf), NULL) != SCEP_OK)
            return SNMP_ERR_WRONGVALUE;
        memcpy(a->p.cn, buf, strlen(buf) + 1);
        break;
    case COL_CHALLENGE: /* A7: may change while enabled; never logged (X2) */
        if (!(err = take_string(v, SCEP_CHALLENGE_MAX, buf, sizeof buf)))
            memcpy(a->p.challenge, buf, sizeof a->p.challenge);
        scep_wipe(buf, sizeof buf);
        break;
    case COL_USAGE:
        if (!(err = agent_check_int(v, SCEP_USAGE_NONE, SCEP_USAGE_DOT1X)))
            a->p.usage = (scep_usage)*v->val.integer;
        break;
    case COL_POLICY:
        if (!(err = take_string(v, SCEP_POLICY_MAX, buf, sizeof buf)))
            memcpy(a->p.ipsec_policy, buf, strlen(buf) + 1);
        break;
    default:
        return SNMP_ERR_NOTWRITABLE;
    }
    if (err)
        return err;
    stg->dirty_state = 1;
    return SNMP_ERR_NOERROR;
}

/* RESERVE2: consistency with the state the whole PDU produces. */
static int reserve2(const agent_stage *stg, const netsnmp_variable_list *v, int col)
{
    (void)v;
    const agent_auto *a = &stg->st.autoreq;
    const char *why = NULL;
    switch (col) {
    case COL_POLICY:
        if (a->p.ipsec_policy[0] &&
            !agent_conf_policy_known(&g_agent.conf, a->p.ipsec_policy))
            why = "not a configured IPsec policy";
        else if (a->enable && a->p.usage == SCEP_USAGE_IPSEC && !a->p.ipsec_policy[0])
            why = "usage ipsec needs a policy while the timer is enabled";
        break;
    case COL_ENABLE:
        if (a->enable)
            why = agent_auto_incomplete(&stg->st);
        break;
    case COL_KEY_NAME:
        if (a->enable && !a->p.name[0])
            why = "empty key name while the timer is enabled";
        break;
    case COL_CN:
        if (a->enable && !a->p.cn[0])
            why = "empty common name while the timer is enabled";
        break;
    case COL_USAGE:
        if (a->enable && a->p.usage == SCEP_USAGE_IPSEC &&
            !agent_conf_policy_known(&g_agent.conf, a->p.ipsec_policy))
            why = "usage ipsec without a configured policy while the timer is enabled";
        break;
    }
    if (why) {
        DEBUGMSGTL(("scepagentd/auto", "column %d refused: %s\n", col, why));
        return SNMP_ERR_INCONSISTENTVALUE;
    }
    return SNMP_ERR_NOERROR;
}

void mib_auto_init(void)
{
    static const agent_scalars g = {.name = "scepcAuto",
                                    .arc = 3,
                                    .first = COL_ENABLE,
                                    .last = COL_LAST_FAILED,
                                    .get = get_one,
                                    .reserve1 = reserve1,
                                    .reserve2 = reserve2};
    agent_register_scalars(&g);
    /* agent.c initialises the groups it knows; the config copy group (T5)
     * is started from here. */
    mib_cfgcopy_init();
}
