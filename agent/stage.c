/*
 * stage.c - one SET PDU applied all-or-nothing (SPEC.md U2, S4).
 *
 * Net-SNMP calls every handler of a PDU with RESERVE1, then all with
 * RESERVE2, then ACTION, then COMMIT (or UNDO), then FREE; an AgentX subagent
 * gets the same phases from the master's TestSet/CommitSet/UndoSet/CleanupSet.
 * The handlers write the new values into a staged copy of the state in
 * RESERVE1, so that RESERVE2 checks consistency against the state the whole
 * PDU would produce (S4: one PDU may disable the timer and change the URL).
 * The first ACTION swaps the staged state in; UNDO restores the saved one;
 * the first COMMIT persists it and runs what the PDU triggered.
 *
 * One stage per PDU, and one mechanism for every group: what a group stages
 * beyond the state (the key row deletes of mib_keys.c, the export/import of
 * mib_cfgcopy.c) is a "part" of the same stage (agent_stage_part), with its
 * own action/undo/commit called by this engine. Net-SNMP's per-request list
 * data (netsnmp_agent_add_list_data) would carry a stage across the phases
 * too (5.9.3 keeps it from TestSet to CommitSet in a subagent: tried), but
 * one stage found by the PDU's transaction id also covers what list data
 * cannot: a PDU whose later phases never come (the master went away after
 * ACTION) is noticed at the next RESERVE1, and what it applied is
 * committed (persisted, its actions run) instead of being dropped with the
 * request; and the phases of a second PDU while one is staged are refused
 * (resourceUnavailable) instead of interleaving two swaps of the state.
 */
#include "config.h"

#include "agent.h"

#include <stdlib.h>
#include <string.h>

static struct {
    int active;
    long transid;
    int applied;
    int committed;
    int failed; /* the state could not be saved at ACTION */
    agent_stage stage;
    agent_state saved_st;
    agent_manual saved_manual;
} S;

static long transid_of(netsnmp_agent_request_info *reqinfo)
{
    return reqinfo && reqinfo->asp && reqinfo->asp->pdu ? reqinfo->asp->pdu->transid : 0;
}

static void reset(void)
{
    for (int i = 0; i < AGENT_STAGE_PARTS; i++)
        if (S.stage.parts[i].data) {
            scep_wipe(S.stage.parts[i].data, S.stage.parts[i].ops->size);
            free(S.stage.parts[i].data);
        }
    /* The staged copy may hold a challenge: wipe it. */
    scep_wipe(&S, sizeof S);
    memset(&S, 0, sizeof S);
}

void *agent_stage_part(agent_stage *stg, const agent_stage_part_ops *ops)
{
    for (int i = 0; i < AGENT_STAGE_PARTS; i++) {
        if (stg->parts[i].ops == ops)
            return stg->parts[i].data;
        if (!stg->parts[i].ops) {
            void *d = calloc(1, ops->size);
            if (!d)
                return NULL;
            stg->parts[i].ops = ops;
            stg->parts[i].data = d;
            return d;
        }
    }
    snmp_log(LOG_ERR, "stage: no slot for the part %s\n", ops->name);
    return NULL;
}

const void *agent_stage_find_part(const agent_stage *stg, const agent_stage_part_ops *ops)
{
    for (int i = 0; i < AGENT_STAGE_PARTS; i++)
        if (stg->parts[i].ops == ops)
            return stg->parts[i].data;
    return NULL;
}

enum { PART_ACTION, PART_UNDO, PART_COMMIT };

/* One phase of every part, in the order the groups created them. */
static void each_part(int phase)
{
    for (int i = 0; i < AGENT_STAGE_PARTS && S.stage.parts[i].ops; i++) {
        const agent_stage_part_ops *o = S.stage.parts[i].ops;
        void (*fn)(void *) = phase == PART_ACTION ? o->action
                             : phase == PART_UNDO ? o->undo
                                                  : o->commit;
        if (fn)
            fn(S.stage.parts[i].data);
    }
}

static void commit(void);

agent_stage *agent_stage_get(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *req)
{
    long id = transid_of(reqinfo);
    if (S.active && S.transid != id) {
        if (reqinfo->mode != MODE_SET_RESERVE1) { /* a later phase of an unknown PDU */
            if (req)
                netsnmp_set_request_error(reqinfo, req, SNMP_ERR_RESOURCEUNAVAILABLE);
            return NULL;
        }
        /* A new PDU while the previous one never finished (the master went
         * away between phases): what was applied stays, then start afresh. */
        DEBUGMSGTL(
            ("scepagentd/stage", "stale stage %ld replaced by %ld\n", S.transid, id));
        if (S.applied && !S.committed)
            commit();
        reset();
    }
    if (!S.active) {
        memset(&S, 0, sizeof S);
        S.active = 1;
        S.transid = id;
        S.stage.st = g_agent.st;
        S.stage.manual = g_agent.manual;
    }
    return &S.stage;
}

int agent_stage_action(netsnmp_agent_request_info *reqinfo)
{
    if (!S.active || S.transid != transid_of(reqinfo))
        return 0;
    if (S.failed)
        return -1;
    if (S.applied)
        return 0;
    S.saved_st = g_agent.st;
    S.saved_manual = g_agent.manual;
    /* A fingerprint recorded on first use after RESERVE1 stays (X6). */
    if (!S.stage.st.ca_pin[0] && !S.stage.st.ca_seen[0])
        memcpy(S.stage.st.ca_seen, g_agent.st.ca_seen, sizeof S.stage.st.ca_seen);
    g_agent.st = S.stage.st;
    g_agent.manual = S.stage.manual;
    /* Saved here, not at COMMIT: a save that fails can still fail the PDU
     * (commitFailed, then UNDO) and nothing is changed. */
    if (S.stage.dirty_state && agent_state_save(g_agent.conf.state_dir, &g_agent.st) != 0) {
        g_agent.st = S.saved_st;
        g_agent.manual = S.saved_manual;
        S.failed = 1;
        return -1;
    }
    if (S.stage.spin_seen) /* TestAndIncr: the value wraps to 0 after 2147483647 */
        g_agent.manual.spin_lock =
            g_agent.manual.spin_lock == 2147483647L ? 0 : g_agent.manual.spin_lock + 1;
    S.applied = 1;
    each_part(PART_ACTION);
    return 0;
}

void agent_stage_undo(netsnmp_agent_request_info *reqinfo)
{
    if (!S.active || S.transid != transid_of(reqinfo) || !S.applied)
        return;
    char seen[sizeof g_agent.st.ca_seen];
    memcpy(seen, g_agent.st.ca_seen, sizeof seen);
    g_agent.st = S.saved_st;
    g_agent.manual = S.saved_manual;
    if (!g_agent.st.ca_pin[0] && !g_agent.st.ca_seen[0]) /* recorded meanwhile (X6) */
        memcpy(g_agent.st.ca_seen, seen, sizeof seen);
    if (S.stage.dirty_state) /* the ACTION saved the new state: save the old again */
        agent_state_save(g_agent.conf.state_dir, &g_agent.st);
    each_part(PART_UNDO);
    reset();
}

void agent_stage_commit(netsnmp_agent_request_info *reqinfo)
{
    if (!S.active || S.transid != transid_of(reqinfo) || !S.applied || S.committed)
        return;
    commit();
    /* An AgentX subagent gets no FREE after a successful COMMIT. */
    reset();
}

static void commit(void)
{
    S.committed = 1; /* the state was saved at ACTION */
    if (S.stage.dirty_state)
        agent_autorun_changed(); /* the scheduler follows the new settings */
    if (S.stage.trigger) {
        agent_enroll_queue_manual(&g_agent.manual);
        /* M11, X2: the challenge is used once and not kept in memory. */
        scep_wipe(g_agent.manual.p.challenge, sizeof g_agent.manual.p.challenge);
    }
    if (S.stage.restart)
        agent_restart_queue("scepcReqRestart");
    each_part(PART_COMMIT);
}

void agent_stage_free(netsnmp_agent_request_info *reqinfo)
{
    if (!S.active || S.transid != transid_of(reqinfo))
        return;
    reset();
}

int agent_stage_mode(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
    switch (reqinfo->mode) {
    case MODE_SET_ACTION:
        if (agent_stage_action(reqinfo) != 0 && requests)
            netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_COMMITFAILED);
        return 1;
    case MODE_SET_UNDO:
        agent_stage_undo(reqinfo);
        return 1;
    case MODE_SET_COMMIT:
        agent_stage_commit(reqinfo);
        return 1;
    case MODE_SET_FREE:
        agent_stage_free(reqinfo);
        return 1;
    default:
        return 0;
    }
}

void agent_stage_note_ca_seen(const char *fpr)
{
    /* The staged copy was taken at RESERVE1: without this, its ACTION would
     * put back the empty fingerprint recorded before. */
    if (S.active && !S.stage.st.ca_pin[0] && !S.stage.st.ca_seen[0])
        snprintf(S.stage.st.ca_seen, sizeof S.stage.st.ca_seen, "%s", fpr);
}
