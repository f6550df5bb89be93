/*
 * enroll.c - the enrollment glue of scepagentd (SPEC.md M8-M12, T2, N, U3):
 * the SET checks of a manual request, its submission to the backend's request
 * runner (scep/runner.c: history row, job, install copy, reload and restart
 * commands), and the runner's events turned into notifications, key table
 * refreshes and the CA fingerprint recorded on first use.
 *
 * At COMMIT of a PDU with the trigger (stage.c), agent_enroll_queue_manual()
 * builds the request from the manual parameters, the server settings and the
 * local config and submits it; the row is In progress from then on, also
 * while it waits behind another request (issue 4, T2). M9's "if enabled"
 * means, for a manual request: the restart command runs after every
 * successful manual enrollment when restartCommand is configured (there is
 * no SNMP switch for it; the automatic request has scepcAutoRestart). A
 * failing install or command does not undo the certificate: the row is
 * Completed with restartCommandFailed, and scepcEnrollFailed is sent as well
 * as scepcCertObtained, as the MIB says.
 *
 * Events (main thread): pending (only when a new request got PENDING, not for
 * its polls: once per transaction), key store full, failed, obtained. At
 * shutdown (the job queue cancels) the runner writes the history only; no
 * notification, no key table refresh here.
 *
 * A second trigger for a name that is queued or running is refused
 * (inconsistentValue); different names queue in the FIFO job queue and run
 * one at a time.
 */
#include "config.h"

#include "agent.h"

#include <stdlib.h>
#include <string.h>

static uint32_t last_manual_index; /* scepcReqLastHistIndex */

uint32_t agent_enroll_last_index(void)
{
    return last_manual_index;
}

int agent_enroll_busy(const char *name)
{
    return g_agent.runner && scep_runner_busy(g_agent.runner, name);
}

static int refuse(const char *why, const char *name)
{
    if (name)
        snmp_log(LOG_INFO, "manual request for \"%s\" refused: %s\n", name, why);
    else
        snmp_log(LOG_INFO, "manual request refused: %s\n", why);
    return SNMP_ERR_INCONSISTENTVALUE;
}

/* M8, M10, M12 against the state the whole PDU would produce. */
int agent_enroll_check(const agent_stage *stg)
{
    const scep_params *p = &stg->manual.p;
    if (stg->st.autoreq.enable)
        return refuse("the automatic timer is enabled (M10)", NULL);
    if (!stg->st.url[0])
        return refuse("no server URL (scepcServerUrl) is set", NULL);
    if (!p->name[0])
        return refuse("no key name (scepcReqKeyName)", NULL);
    if (!p->cn[0])
        return refuse("no common name (scepcReqCommonName)", p->name);
    if (p->usage == SCEP_USAGE_IPSEC &&
        (!p->ipsec_policy[0] || !agent_conf_policy_known(&g_agent.conf, p->ipsec_policy)))
        return refuse("usage ipsec needs an IPsec policy of the local configuration",
                      p->name);
    if (agent_enroll_busy(p->name))
        return refuse("an enrollment for that name is already queued or running", p->name);
    if (scep_keystore_exists(g_agent.ks, p->name) &&
        !scep_pending_exists(g_agent.ks, p->name))
        return refuse("the key exists in the key store (and has no pending transaction)",
                      p->name);
    return SNMP_ERR_NOERROR;
}

/* TOFU (X6): the first CA fingerprint seen is kept. */
static void record_ca_seen(const char *fpr)
{
    if (!fpr[0])
        return;
    if (g_agent.st.ca_pin[0]) { /* the pin let it through: that is what was seen */
        if (strcmp(g_agent.st.ca_seen, fpr) == 0)
            return;
        snprintf(g_agent.st.ca_seen, sizeof g_agent.st.ca_seen, "%s", fpr);
        agent_stage_note_ca_seen(g_agent.st.ca_seen);
        if (agent_state_save(g_agent.conf.state_dir, &g_agent.st) == 0)
            snmp_log(LOG_INFO, "CA fingerprint %s seen (pinned)\n", fpr);
        return;
    }
    if (g_agent.st.ca_seen[0]) {
        /* Two requests queued before the first CA contact both ran with no
         * reference: the second saw another CA. Say so loudly. */
        if (strcmp(g_agent.st.ca_seen, fpr) != 0)
            snmp_log(LOG_ERR,
                     "CA fingerprint %s differs from the one recorded first (%s): "
                     "check the CA and set scepcCaFingerprintPin\n",
                     fpr, g_agent.st.ca_seen);
        return;
    }
    memcpy(g_agent.st.ca_seen, fpr, sizeof g_agent.st.ca_seen);
    g_agent.st.ca_seen[sizeof g_agent.st.ca_seen - 1] = 0;
    agent_stage_note_ca_seen(g_agent.st.ca_seen); /* a SET in flight keeps it too */
    if (agent_state_save(g_agent.conf.state_dir, &g_agent.st) != 0)
        snmp_log(LOG_ERR,
                 "CA fingerprint %s seen first, but the state could not be saved\n",
                 g_agent.st.ca_seen);
    else
        snmp_log(LOG_NOTICE, "CA fingerprint %s recorded (trust on first use)\n",
                 g_agent.st.ca_seen);
}

static void notify(const scep_run_event *ev, int final);

static void on_event(void *ctx, const scep_run_event *ev)
{
    (void)ctx;
    /* An automatic request: the scheduler records the try first; a failed
     * try that will be retried is not a failed request (one
     * scepcEnrollFailed when the run ends in Error, A3). */
    int final = agent_autorun_event(ev);
    if (ev->ran && ev->type != SCEP_EV_QUEUED && ev->type != SCEP_EV_COMMAND_FAILED)
        record_ca_seen(ev->res->ca_fpr);
    if (!ev->shutdown && ev->ran) /* at shutdown: the history only */
        notify(ev, final);
    if (ev->source == SCEP_SRC_AUTO)
        agent_autorun_settle(); /* row of a retried run back to In progress, timer */
}

static void notify(const scep_run_event *ev, int final)
{
    switch (ev->type) {
    case SCEP_EV_OBTAINED:
        mib_keys_refresh();
        agent_notify_key(AGENT_NOTIFY_OBTAINED, ev->res->key.index);
        break;
    case SCEP_EV_COMMAND_FAILED:
        if (ev->hist_index)
            agent_notify_history(AGENT_NOTIFY_FAILED, ev->hist_index);
        break;
    case SCEP_EV_PENDING: /* once per transaction, not for its polls */
        mib_keys_refresh();
        if (ev->hist_index)
            agent_notify_history(AGENT_NOTIFY_PENDING, ev->hist_index);
        break;
    case SCEP_EV_STORE_FULL:
        mib_keys_refresh();
        if (ev->hist_index)
            agent_notify_history(AGENT_NOTIFY_STORE_FULL, ev->hist_index);
        break;
    case SCEP_EV_FAILED:
        mib_keys_refresh();
        if (ev->hist_index && final)
            agent_notify_history(AGENT_NOTIFY_FAILED, ev->hist_index);
        break;
    case SCEP_EV_POLL_PENDING:
    case SCEP_EV_CANCELLED:
        mib_keys_refresh();
        break;
    case SCEP_EV_QUEUED:
        break;
    }
}

void agent_enroll_init(void)
{
    last_manual_index = 0;
    scep_error e;
    scep_error_clear(&e);
    if (scep_runner_new(g_agent.ks, g_agent.hist, g_agent.jobs, on_event, NULL,
                        &g_agent.runner, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "request runner: %s\n", e.text);
        return;
    }
    scep_runner_set_conf(g_agent.runner, &g_agent.conf.run);
    /* A request cut off after its certificate was stored finishes now. */
    unsigned n = scep_runner_recover(g_agent.runner);
    if (n)
        snmp_log(LOG_NOTICE, "%u interrupted request(s) finished\n", n);
}

void agent_enroll_queue_manual(const agent_manual *m)
{
    scep_run_req *req = calloc(1, sizeof *req);
    if (!req) {
        snmp_log(LOG_ERR, "manual request for \"%s\": out of memory\n", m->p.name);
        return;
    }
    req->source = SCEP_SRC_MANUAL;
    req->p = m->p;
    agent_client_settings(&req->s);
    req->run_restart = 1; /* when restartCommand is configured (M9) */
    uint32_t idx = 0;
    scep_error e;
    scep_error_clear(&e);
    scep_rc rc = scep_runner_submit(g_agent.runner, req, &idx, &e);
    scep_wipe(req, sizeof *req);
    free(req);
    if (idx)
        last_manual_index = idx;
    if (rc != SCEP_OK) {
        snmp_log(LOG_ERR, "manual request for \"%s\": %s\n", m->p.name, e.text);
        return;
    }
    DEBUGMSGTL(("scepagentd/enroll", "row %u: %s, CN %s, %u bits, usage %s, queued\n",
                (unsigned)idx, m->p.name, m->p.cn, m->p.bits, scep_usage_name(m->p.usage)));
}

void agent_restart_queue(const char *why)
{
    scep_error e;
    scep_error_clear(&e);
    if (scep_runner_restart(g_agent.runner, why, &e) != SCEP_OK)
        snmp_log(LOG_WARNING, "restart (%s): %s\n", why, e.text);
}
