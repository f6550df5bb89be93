/*
 * mib_request.c - scepcRequest (SPEC.md M1-M12, X2): the manual request
 * parameters, the spin lock, the enrollment trigger, the restart trigger and
 * the index of the last history row a trigger created.
 *
 * Same pattern as mib_settings.c: RESERVE1 checks the type and has the
 * request model (scep_req_set_*, scep/request.c) check length and value and
 * write into the stage's manual request; RESERVE2 checks the spin lock
 * (TestAndIncr), the IPsec policy and the triggers against the state the whole
 * PDU would produce (agent_enroll_check in enroll.c); the other SET modes go
 * to the stage engine, which swaps the parameters in at ACTION, increments
 * the spin lock, and queues the enrollment / restart at COMMIT.
 *
 * The parameters are not persisted (M11). The challenge reads back as the
 * zero-length string and never appears in a log or debug line (X2).
 */
#include "config.h"

#include "agent.h"

#include <limits.h>
#include <string.h>

enum {
    COL_NAME = 1,
    COL_HASH = 2,
    COL_BITS = 3,
    COL_ORG = 4,
    COL_CN = 5,
    COL_CHALLENGE = 6,
    COL_CHALLENGE_SET = 7,
    COL_USAGE = 8,
    COL_POLICY = 9,
    COL_SPIN = 10,
    COL_TRIGGER = 11,
    COL_RESTART = 12,
    COL_LAST_INDEX = 13
};

enum { TRIGGER_IDLE = 1, TRIGGER_ENROLL = 2 };
enum { RESTART_IDLE = 1, RESTART_RUN = 2 };
#define SPIN_MAX 2147483647L

static void get_one(netsnmp_request_info *r, int col)
{
    const scep_params *p = &g_agent.manual.p;
    switch (col) {
    case COL_NAME:
        agent_set_string(r, p->name);
        break;
    case COL_HASH:
        agent_set_int(r, ASN_INTEGER, (long)p->hash);
        break;
    case COL_BITS:
        agent_set_int(r, ASN_UNSIGNED, (long)p->bits);
        break;
    case COL_ORG:
        agent_set_string(r, p->org);
        break;
    case COL_CN:
        agent_set_string(r, p->cn);
        break;
    case COL_CHALLENGE: /* X2: write-only in effect */
        agent_set_string(r, "");
        break;
    case COL_CHALLENGE_SET:
        agent_set_int(r, ASN_INTEGER, p->challenge[0] ? 1 : 2);
        break;
    case COL_USAGE:
        agent_set_int(r, ASN_INTEGER, (long)p->usage);
        break;
    case COL_POLICY:
        agent_set_string(r, p->ipsec_policy);
        break;
    case COL_SPIN:
        agent_set_int(r, ASN_INTEGER, g_agent.manual.spin_lock);
        break;
    case COL_TRIGGER:
        agent_set_int(r, ASN_INTEGER, TRIGGER_IDLE);
        break;
    case COL_RESTART:
        agent_set_int(r, ASN_INTEGER, RESTART_IDLE);
        break;
    case COL_LAST_INDEX:
        agent_set_int(r, ASN_UNSIGNED, (long)agent_enroll_last_index());
        break;
    default:
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
    }
}

/* A request parameter by the request model (scep/request.c): the SNMP type
 * here, length and value there. */
static int set_text(scep_params *p, int col, const netsnmp_variable_list *v)
{
    if (v->type != ASN_OCTET_STR)
        return SNMP_ERR_WRONGTYPE;
    const void *s = v->val.string;
    size_t n = v->val_len;
    switch (col) {
    case COL_NAME:
        return agent_snmp_err(scep_req_set_name(p, s, n));
    case COL_ORG:
        return agent_snmp_err(scep_req_set_org(p, s, n));
    case COL_CN:
        return agent_snmp_err(scep_req_set_cn(p, s, n));
    case COL_CHALLENGE: /* X2: never logged */
        return agent_snmp_err(scep_req_set_challenge(p, s, n));
    default: /* the policy: checked against the local config in RESERVE2 */
        return agent_snmp_err(scep_req_set_policy(p, s, n, NULL));
    }
}

/* RESERVE1: syntax and range, then the new value goes into the stage. */
static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    scep_params *p = &stg->manual.p;
    int err;
    switch (col) {
    case COL_NAME:
    case COL_ORG:
    case COL_CN:
    case COL_CHALLENGE:
    case COL_POLICY:
        return set_text(p, col, v);
    case COL_HASH:
        if ((err = agent_check_int(v, LONG_MIN, LONG_MAX)))
            return err;
        return agent_snmp_err(scep_req_set_hash(p, *v->val.integer));
    case COL_BITS:
        if ((err = agent_check_uint(v, 0, 0xffffffffUL)))
            return err;
        return agent_snmp_err(
            scep_req_set_bits(p, (int64_t)((unsigned long)*v->val.integer & 0xffffffffUL)));
    case COL_USAGE:
        if ((err = agent_check_int(v, LONG_MIN, LONG_MAX)))
            return err;
        return agent_snmp_err(scep_req_set_usage(p, *v->val.integer));
    case COL_SPIN:
        if ((err = agent_check_int(v, 0, SPIN_MAX)))
            return err;
        stg->spin_seen = 1;
        break;
    case COL_TRIGGER:
        if ((err = agent_check_int(v, TRIGGER_IDLE, TRIGGER_ENROLL)))
            return err;
        if (*v->val.integer == TRIGGER_ENROLL)
            stg->trigger = 1;
        break;
    case COL_RESTART:
        if ((err = agent_check_int(v, RESTART_IDLE, RESTART_RUN)))
            return err;
        if (*v->val.integer == RESTART_RUN)
            stg->restart = 1;
        break;
    default:
        return SNMP_ERR_NOTWRITABLE;
    }
    return SNMP_ERR_NOERROR;
}

/* RESERVE2: consistency with the current state and the rest of the PDU. */
static int reserve2(const agent_stage *stg, const netsnmp_variable_list *v, int col)
{
    switch (col) {
    case COL_POLICY:
        if (scep_req_check_policy(stg->manual.p.ipsec_policy,
                                  agent_conf_policy_list(&g_agent.conf)) != SCEP_FIELD_OK) {
            DEBUGMSGTL(("scepagentd/request", "IPsec policy not in the local config\n"));
            return SNMP_ERR_INCONSISTENTVALUE;
        }
        break;
    case COL_SPIN: /* TestAndIncr (SNMPv2-TC): the value read, else someone came first */
        if (*v->val.integer != g_agent.manual.spin_lock) {
            DEBUGMSGTL(("scepagentd/request", "stale spin lock %ld (now %ld)\n",
                        *v->val.integer, g_agent.manual.spin_lock));
            return SNMP_ERR_INCONSISTENTVALUE;
        }
        break;
    case COL_TRIGGER:
        if (*v->val.integer == TRIGGER_ENROLL)
            return agent_enroll_check(stg);
        break;
    case COL_RESTART:
        if (*v->val.integer == RESTART_RUN && !g_agent.conf.run.restart_cmd[0]) {
            snmp_log(LOG_INFO, "restart refused: no restartCommand in the local config\n");
            return SNMP_ERR_INCONSISTENTVALUE;
        }
        break;
    }
    return SNMP_ERR_NOERROR;
}

void mib_request_init(void)
{
    static const agent_scalars g = {.name = "scepcRequest",
                                    .arc = 2,
                                    .first = COL_NAME,
                                    .last = COL_LAST_INDEX,
                                    .get = get_one,
                                    .reserve1 = reserve1,
                                    .reserve2 = reserve2};
    agent_register_scalars(&g);
}
