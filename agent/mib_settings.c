/*
 * mib_settings.c - scepcSettings (SPEC.md S1-S4, X6): server URL, port,
 * timeout, CA pin (read-write, persisted), CA fingerprint in use, local time.
 *
 * As every scalar group: get / reserve1 / reserve2 functions switching on the
 * column, run by the shared handler of scalars.c and the stage engine.
 */
#include "config.h"

#include "agent.h"

#include <string.h>

enum { COL_URL = 1, COL_PORT = 2, COL_TIMEOUT = 3, COL_PIN = 4, COL_FPR = 5, COL_TIME = 6 };

static const char *fingerprint_in_use(void)
{
    return g_agent.st.ca_pin[0] ? g_agent.st.ca_pin : g_agent.st.ca_seen;
}

static void get_one(netsnmp_request_info *r, int col)
{
    unsigned char dt[11];
    switch (col) {
    case COL_URL:
        agent_set_string(r, g_agent.st.url);
        break;
    case COL_PORT:
        agent_set_int(r, ASN_UNSIGNED, (long)g_agent.st.port);
        break;
    case COL_TIMEOUT:
        agent_set_int(r, ASN_UNSIGNED, (long)g_agent.st.timeout);
        break;
    case COL_PIN:
        agent_set_string(r, g_agent.st.ca_pin);
        break;
    case COL_FPR:
        agent_set_string(r, fingerprint_in_use());
        break;
    case COL_TIME:
        agent_set_octets(r, dt, agent_dateandtime(scep_now(), dt));
        break;
    default:
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
    }
}

/* RESERVE1: the type here, length and value by the schema (scep/schema.c),
 * then the new value goes into the stage. */
static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    int err;
    switch (col) {
    case COL_URL:
        err = agent_set_field_text(&stg->st, SCEP_F_URL, v);
        break;
    case COL_PORT:
        err = agent_set_field_uint(&stg->st, SCEP_F_PORT, v);
        break;
    case COL_TIMEOUT:
        err = agent_set_field_uint(&stg->st, SCEP_F_TIMEOUT, v);
        break;
    case COL_PIN: /* the pin also replaces the fingerprint recorded on first use */
        err = agent_set_field_text(&stg->st, SCEP_F_PIN, v);
        break;
    default:
        return SNMP_ERR_NOTWRITABLE;
    }
    if (err)
        return err;
    stg->dirty_state = 1;
    return SNMP_ERR_NOERROR;
}

/* RESERVE2, S4: while the timer is enabled (in the state the PDU produces) the
 * server settings may not change. */
static int reserve2(const agent_stage *stg, const netsnmp_variable_list *v, int col)
{
    (void)v;
    if (!stg->st.autoreq.enable)
        return SNMP_ERR_NOERROR;
    int changed = 0;
    switch (col) {
    case COL_URL:
        changed = strcmp(stg->st.url, g_agent.st.url) != 0;
        break;
    case COL_PORT:
        changed = stg->st.port != g_agent.st.port;
        break;
    case COL_TIMEOUT:
        changed = stg->st.timeout != g_agent.st.timeout;
        break;
    case COL_PIN:
        changed = strcmp(stg->st.ca_pin, g_agent.st.ca_pin) != 0;
        break;
    }
    if (changed) {
        DEBUGMSGTL(
            ("scepagentd/settings", "column %d refused: automatic timer enabled\n", col));
        return SNMP_ERR_INCONSISTENTVALUE;
    }
    return SNMP_ERR_NOERROR;
}

void mib_settings_init(void)
{
    static const agent_scalars g = {.name = "scepcSettings",
                                    .arc = 1,
                                    .first = COL_URL,
                                    .last = COL_TIME,
                                    .get = get_one,
                                    .reserve1 = reserve1,
                                    .reserve2 = reserve2};
    agent_register_scalars(&g);
}
