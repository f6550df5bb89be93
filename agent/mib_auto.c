/*
 * mib_auto.c - scepcAuto (SPEC.md A1-A8, B4, S4, M10): the parameters of the
 * automatic request, read-write, validated and persisted; its status objects.
 *
 * This file stores and persists the objects (their rules are the backend's
 * settings schema, scep/schema.c, through agent/fields.c) and makes the timer
 * lock the server settings (mib_settings.c checks scepcAutoEnable in the state
 * the PDU produces) and the manual request (enroll.c). Running the automatic
 * requests is autorun.c's job (the scheduler of scep/sched.c and the runner);
 * it reports through g_auto_status, which is run-time only and deliberately
 * not part of agent_state: the SET stage copies agent_state at RESERVE1 and
 * swaps the copy in at ACTION, so a counter kept there and bumped by a job's
 * completion between an AgentX TestSet and CommitSet would be lost.
 *
 * scepcAutoOperStatus: disabled(2) while the timer is off, else running(4)
 * (a run is sent or waits between its retries), finished(3) (nothing more
 * scheduled) or enabled(1), as autorun.c publishes them; scepcAutoNextRun is
 * the scheduler's next run with its random delay (the start time while the
 * scheduler has none yet and it is ahead), else the 8 zero octets;
 * scepcAutoFailures and scepcAutoLastFailed count the runs that ended in
 * Error since the agent started.
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

const char *agent_auto_incomplete(const agent_state *s)
{
    return scep_auto_incomplete(s, agent_conf_policy_list(&g_agent.conf));
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
    time_t t = scep_auto_start_time(&g_agent.st.autoreq);
    return t > scep_now() ? t : 0;
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
        agent_var_time(r->requestvb, next_run());
        break;
    case COL_FAILURES:
        agent_set_int(r, ASN_COUNTER, (long)g_auto_status.failures);
        break;
    case COL_LAST_FAILED:
        agent_var_time(r->requestvb, g_auto_status.last_failed);
        break;
    default:
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
    }
}

/* The schema field of each writable column and how SNMP encodes it. */
static const struct {
    scep_field f;
    enum { T_TRUTH, T_TEXT, T_UINT, T_INT } t;
} cols[] = {
    [COL_ENABLE] = {SCEP_F_AUTO_ENABLE, T_TRUTH},
    [COL_START] = {SCEP_F_AUTO_START, T_TEXT},
    [COL_JITTER] = {SCEP_F_AUTO_JITTER, T_TRUTH},
    [COL_POLL_COUNT] = {SCEP_F_AUTO_POLL_COUNT, T_UINT},
    [COL_POLL_INTERVAL] = {SCEP_F_AUTO_POLL_INTERVAL, T_UINT},
    [COL_INTERVAL] = {SCEP_F_AUTO_INTERVAL, T_UINT},
    [COL_RESTART] = {SCEP_F_AUTO_RESTART, T_TRUTH},
    [COL_DELETE_PREV] = {SCEP_F_AUTO_DELETE_PREV, T_TRUTH},
    [COL_RENEW_DAYS] = {SCEP_F_AUTO_RENEW_DAYS, T_UINT},
    [COL_KEY_NAME] = {SCEP_F_AUTO_NAME, T_TEXT},
    [COL_HASH] = {SCEP_F_AUTO_HASH, T_INT},
    [COL_BITS] = {SCEP_F_AUTO_BITS, T_UINT},
    [COL_ORG] = {SCEP_F_AUTO_ORG, T_TEXT},
    [COL_CN] = {SCEP_F_AUTO_CN, T_TEXT},
    [COL_USAGE] = {SCEP_F_AUTO_USAGE, T_INT},
    [COL_POLICY] = {SCEP_F_AUTO_POLICY, T_TEXT},
};

/* RESERVE1: the type here, length and value by the schema (scep/schema.c;
 * the challenge by the request model, not a schema field: never in the
 * state text), then the new value goes into the stage. */
static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    agent_state *st = &stg->st;
    int err;
    if (col == COL_CHALLENGE) { /* A7: may change while enabled; never logged (X2) */
        err = v->type != ASN_OCTET_STR ? SNMP_ERR_WRONGTYPE
                                       : agent_snmp_err(scep_req_set_challenge(
                                             &st->autoreq.p, v->val.string, v->val_len));
    } else if (col < COL_ENABLE || col > COL_POLICY || col == COL_CHALLENGE_SET) {
        return SNMP_ERR_NOTWRITABLE;
    } else {
        switch (cols[col].t) {
        case T_TRUTH:
            err = agent_set_field_truth(st, cols[col].f, v);
            break;
        case T_TEXT:
            err = agent_set_field_text(st, cols[col].f, v);
            break;
        case T_UINT:
            err = agent_set_field_uint(st, cols[col].f, v);
            break;
        default:
            err = agent_set_field_int(st, cols[col].f, v);
        }
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
        if (scep_req_check_policy(a->p.ipsec_policy,
                                  agent_conf_policy_list(&g_agent.conf)) != SCEP_FIELD_OK)
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
