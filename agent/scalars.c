/*
 * scalars.c - the one handler behind every scalar group of the MIB (settings,
 * request, auto, config copy, key store scalars, notify control).
 *
 * GET answers through the group's get(); a SET goes RESERVE1 (syntax, the new
 * value written into the PDU's stage), RESERVE2 (consistency against the
 * state the whole PDU would produce: SPEC S4, M8, M10), then ACTION / UNDO /
 * COMMIT / FREE through the stage engine (stage.c), so a PDU is all or
 * nothing (U2). Handlers never wait on the network or a child process. What
 * they touch besides memory: GET reads memory only (the key table's snapshot,
 * the history, the state); RESERVE2 of the manual trigger asks the key store
 * whether the name or its pending transaction exists (a stat()); ACTION (and
 * UNDO) writes the state file when the PDU changed a setting; COMMIT saves
 * the automatic request's schedule when the settings changed, unlinks the
 * files of a deleted key, and reads or writes the one file of an export or
 * import. Enrollments and the restart command are only queued (jobs).
 */
#include "config.h"

#include "agent.h"

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
                   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
    (void)reg;
    const agent_scalars *g = h->myvoid;
    if (reqinfo->mode != MODE_GET && reqinfo->mode != MODE_SET_RESERVE1 &&
        reqinfo->mode != MODE_SET_RESERVE2) {
        agent_stage_mode(reqinfo, requests);
        return SNMP_ERR_NOERROR;
    }
    for (netsnmp_request_info *r = requests; r; r = r->next) {
        if (r->processed)
            continue;
        /* Registered scalars are base.col.0 (the instance helper checked it). */
        int col = (int)r->requestvb->name[r->requestvb->name_length - 2];
        if (reqinfo->mode == MODE_GET) {
            g->get(r, col);
            continue;
        }
        agent_stage *stg = agent_stage_get(reqinfo, r);
        if (!stg)
            return SNMP_ERR_NOERROR;
        int err = SNMP_ERR_NOERROR;
        if (reqinfo->mode == MODE_SET_RESERVE1)
            err = g->reserve1 ? g->reserve1(stg, reqinfo, r->requestvb, col)
                              : SNMP_ERR_NOTWRITABLE;
        else if (g->reserve2)
            err = g->reserve2(stg, r->requestvb, col);
        if (err) {
            netsnmp_set_request_error(reqinfo, r, err);
            return SNMP_ERR_NOERROR;
        }
    }
    return SNMP_ERR_NOERROR;
}

static void register_one(const agent_scalars *g, const oid *o, size_t len, int col)
{
    int modes = !col || (g->single & (1u << col)) ? HANDLER_CAN_RWRITE : HANDLER_CAN_RONLY;
    netsnmp_handler_registration *reg =
        netsnmp_create_handler_registration(g->name, handler, o, len, modes);
    if (reg)
        reg->handler->myvoid = (void *)g;
    int rc = !reg  ? MIB_REGISTRATION_FAILED
             : col ? netsnmp_register_scalar(reg)
                   : netsnmp_register_scalar_group(reg, (oid)g->first, (oid)g->last);
    if (rc != MIB_REGISTERED_OK)
        snmp_log(LOG_ERR, "cannot register %s\n", g->name);
}

void agent_register_scalars(const agent_scalars *g)
{
    oid o[] = SCEPC_OID(1, 0, 0);
    size_t len = OID_LENGTH(o);
    o[len - 2] = g->arc;
    if (!g->single) {
        register_one(g, o, len - 1, 0);
        return;
    }
    /* A table shares the subtree: each scalar is a registration of its own. */
    for (int col = g->first; col <= g->last; col++) {
        o[len - 1] = (oid)col;
        register_one(g, o, len, col);
    }
}
