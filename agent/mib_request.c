/*
 * mib_request.c - scepcRequest (SPEC.md M1-M12, X2): the manual request
 * parameters, the spin lock, the enrollment trigger, the restart trigger and
 * the index of the last history row a trigger created.
 *
 * Same pattern as mib_settings.c: RESERVE1 checks type, length and value and
 * writes into the stage's manual request; RESERVE2 checks the spin lock
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

/* An OCTET STRING of 0..max octets with no NUL byte, into dst[max + 1]. */
static int take_string(const netsnmp_variable_list *v, size_t max, char *dst)
{
    int err = agent_check_string(v, 0, max);
    if (err)
        return err;
    if (v->val_len && memchr(v->val.string, 0, v->val_len))
        return SNMP_ERR_WRONGVALUE;
    agent_copy_string(v, dst, max + 1);
    return SNMP_ERR_NOERROR;
}

/* RESERVE1: syntax and range, then the new value goes into the stage. */
static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    scep_params *p = &stg->manual.p;
    char buf[SCEP_CHALLENGE_MAX + 1];
    int err;
    switch (col) {
    case COL_NAME:
        if ((err = take_string(v, SCEP_NAME_MAX, buf)))
            return err;
        if (buf[0] && scep_check_name(buf, strlen(buf), NULL) != SCEP_OK)
            return SNMP_ERR_WRONGVALUE;
        memcpy(p->name, buf, sizeof p->name);
        break;
    case COL_HASH:
        if ((err = agent_check_int(v, SCEP_HASH_SHA1, SCEP_HASH_SHA512)))
            return err;
        p->hash = (scep_hash)*v->val.integer;
        break;
    case COL_BITS:
        if ((err = agent_check_uint(v, 1024, 4096)))
            return err;
        if (scep_check_bits(*v->val.integer, NULL) != SCEP_OK)
            return SNMP_ERR_WRONGVALUE;
        p->bits = (unsigned)*v->val.integer;
        break;
    case COL_ORG:
        if ((err = take_string(v, SCEP_ORG_MAX, buf)))
            return err;
        if (!agent_printable(buf))
            return SNMP_ERR_WRONGVALUE;
        memcpy(p->org, buf, sizeof p->org);
        break;
    case COL_CN:
        if ((err = take_string(v, SCEP_CN_MAX, buf)))
            return err;
        if (buf[0] && scep_check_cn(buf, strlen(buf), NULL) != SCEP_OK)
            return SNMP_ERR_WRONGVALUE;
        memcpy(p->cn, buf, sizeof p->cn);
        break;
    case COL_CHALLENGE:
        err = take_string(v, SCEP_CHALLENGE_MAX, buf);
        if (!err)
            memcpy(p->challenge, buf, sizeof p->challenge);
        scep_wipe(buf, sizeof buf);
        return err;
    case COL_USAGE:
        if ((err = agent_check_int(v, SCEP_USAGE_NONE, SCEP_USAGE_DOT1X)))
            return err;
        p->usage = (scep_usage)*v->val.integer;
        break;
    case COL_POLICY:
        if ((err = take_string(v, SCEP_POLICY_MAX, buf)))
            return err;
        memcpy(p->ipsec_policy, buf, sizeof p->ipsec_policy);
        break;
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
        if (stg->manual.p.ipsec_policy[0] &&
            !agent_conf_policy_known(&g_agent.conf, stg->manual.p.ipsec_policy)) {
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
