/*
 * fields.c - the glue between SNMP SETs and the settings schema of the
 * backend (scep/scep-schema.h): the one mapping of a setter's answer to an SNMP
 * error, the type checks (wrongType stays here: it is SNMP's), and the save
 * of the state with its error logged.
 */
#include "config.h"

#include "agent.h"

#include <limits.h>

int agent_snmp_err(scep_field_rc rc)
{
    switch (rc) {
    case SCEP_FIELD_OK:
        return SNMP_ERR_NOERROR;
    case SCEP_FIELD_WRONG_LENGTH:
        return SNMP_ERR_WRONGLENGTH;
    case SCEP_FIELD_WRONG_VALUE:
        return SNMP_ERR_WRONGVALUE;
    case SCEP_FIELD_INCONSISTENT:
        return SNMP_ERR_INCONSISTENTVALUE;
    }
    return SNMP_ERR_WRONGVALUE;
}

int agent_set_field_text(agent_state *s, scep_field f, const netsnmp_variable_list *v)
{
    if (v->type != ASN_OCTET_STR)
        return SNMP_ERR_WRONGTYPE;
    return agent_snmp_err(scep_state_set_text(s, f, v->val.string, v->val_len));
}

int agent_set_field_uint(agent_state *s, scep_field f, const netsnmp_variable_list *v)
{
    int err = agent_check_uint(v, 0, 0xffffffffUL);
    if (err)
        return err;
    return agent_snmp_err(
        scep_state_set_num(s, f, (int64_t)((unsigned long)*v->val.integer & 0xffffffffUL)));
}

int agent_set_field_int(agent_state *s, scep_field f, const netsnmp_variable_list *v)
{
    int err = agent_check_int(v, LONG_MIN, LONG_MAX);
    if (err)
        return err;
    return agent_snmp_err(scep_state_set_num(s, f, (int64_t)*v->val.integer));
}

int agent_set_field_truth(agent_state *s, scep_field f, const netsnmp_variable_list *v)
{
    int err = agent_check_truth(v); /* TruthValue: true(1), false(2) */
    if (err)
        return err;
    return agent_snmp_err(scep_state_set_num(s, f, *v->val.integer == 1));
}

int agent_state_save(const char *dir, const agent_state *s)
{
    scep_error e;
    scep_error_clear(&e);
    if (scep_state_save(dir, s, &e) == SCEP_OK)
        return 0;
    snmp_log(LOG_ERR, "cannot save the agent state in %s: %s\n", dir, e.text);
    return -1;
}
