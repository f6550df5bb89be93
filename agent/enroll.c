/*
 * enroll.c - the enrollment glue of scepagentd (SPEC.md M8-M12, T2, N, U3):
 * turns an accepted scepcReqTrigger into a history row and a job on the
 * backend's worker thread, and applies the job's result on the main thread.
 *
 * At COMMIT of a PDU with the trigger (stage.c), agent_enroll_queue_manual()
 * adds an In progress history row, saves the history and submits a job that
 * carries a private copy of everything it needs: the request parameters (the
 * challenge included, wiped as soon as it is used and again when the job is
 * freed), the scep_settings, the per-usage hooks and the restart command of
 * the local config. So the worker never reads g_agent (SIGHUP may replace the
 * config, a SET may change the settings meanwhile), only the key store, which
 * has its own lock.
 *
 * The worker (enroll_run) polls the saved transaction when the key name has
 * one (M12: never a new PKCSReq), else enrolls. On success it installs the
 * key, certificate and chain for the usage when the local config has an
 * installDir for it (atomic copies, configured mode and owner), then runs the
 * usage's reloadCommand and then the restartCommand. M9's "if enabled" means,
 * for a manual request: the restart command runs after every successful
 * manual enrollment when restartCommand is configured (there is no SNMP
 * switch for it; the automatic request has scepcAutoRestart). A failing
 * install or command does not undo the certificate: the row is Completed,
 * with the code SCEP_E_COMMAND (scepcHistDetail restartCommandFailed) and
 * the cause in the text, and scepcEnrollFailed is sent as well as
 * scepcCertObtained, as the MIB says. When the install fails, neither command
 * runs (they would load stale files).
 *
 * The done callback (main thread) records the outcome in the row, saves the
 * history, records the CA fingerprint on first use (TOFU), refreshes the key
 * table and raises the notification: pending (only when a new request got
 * PENDING, not for its polls: once per transaction), key store full, failed,
 * or obtained. At shutdown (the job queue cancels) only the history is
 * written: no notification, no key table refresh.
 *
 * Names of queued or running enrollments are tracked here, so a second
 * trigger for the same name is refused (inconsistentValue); different names
 * queue in the FIFO job queue and run one at a time.
 *
 * History rows are added as In progress at trigger time (issue 4, T2), also
 * when the request waits behind another one in the queue.
 */
#include "config.h"

#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENV_VARS 6

typedef struct enroll_job {
    struct enroll_job *next; /* outstanding list (main thread only) */
    uint32_t hist_index;
    char name[SCEP_NAME_MAX + 1];
    scep_keystore *ks;
    /* private copies, taken at COMMIT */
    scep_params p; /* secret: the challenge */
    scep_settings s;
    agent_hook hooks[5];
    char restart_cmd[AGENT_CMD_MAX];
    unsigned cmd_timeout;
    /* results, written by the worker, read by done */
    int ran;
    int polled;
    scep_rc rc;
    scep_error err;
    scep_enroll_result res;
    int hook_failed;
    char hook_text[256];
    char env[ENV_VARS][PATH_MAX + 32];
} enroll_job;

typedef struct restart_job {
    char cmd[AGENT_CMD_MAX];
    unsigned timeout;
    char why[64];
    int ran;
    scep_rc rc;
    scep_error err;
} restart_job;

static enroll_job *outstanding;    /* queued or running manual enrollments */
static uint32_t last_manual_index; /* scepcReqLastHistIndex */

uint32_t agent_enroll_last_index(void)
{
    return last_manual_index;
}

int agent_enroll_busy(const char *name)
{
    for (const enroll_job *j = outstanding; j; j = j->next)
        if (strcmp(j->name, name) == 0)
            return 1;
    return 0;
}

void agent_enroll_init(void)
{
    outstanding = NULL;
    last_manual_index = 0;
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

/* ---- worker thread ------------------------------------------------------- */

/* Copy one key store file into the install directory, atomically. */
static scep_rc install_one(const char *src, const char *dst, unsigned mode,
                           const agent_hook *h, int secret, scep_error *e)
{
    char *data = NULL;
    size_t len = 0;
    scep_rc rc = scep_read_file(src, &data, &len, e);
    if (rc)
        return rc;
    rc = scep_write_file_atomic(dst, data, len, mode, e);
    if (secret)
        scep_wipe(data, len);
    free(data);
    if (rc)
        return rc;
    if ((h->owner != (uid_t)-1 || h->group != (gid_t)-1) &&
        chown(dst, h->owner, h->group) != 0)
        return scep_error_set(e, SCEP_E_IO, "chown %s: %s", dst, strerror(errno));
    return SCEP_OK;
}

static void hook_fail(enroll_job *j, const char *what, const scep_error *e)
{
    size_t n = strlen(j->hook_text);
    snprintf(j->hook_text + n, sizeof j->hook_text - n, "%s%s: %s", n ? "; " : "", what,
             e->text);
    j->hook_failed = 1;
}

static int join_path(char *buf, size_t n, const char *dir, const char *name,
                     const char *sfx)
{
    int len = snprintf(buf, n, "%s/%s%s", dir, name, sfx);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* M9, X4: per-usage install copy, reload command, restart command. */
static void run_hooks(enroll_job *j, volatile int *cancel)
{
    const scep_keyinfo *k = &j->res.key;
    int usage = (int)k->usage;
    if (usage < SCEP_USAGE_NONE || usage > SCEP_USAGE_DOT1X)
        usage = SCEP_USAGE_NONE;
    const agent_hook *h = &j->hooks[usage];
    if (!h->install_dir[0] && !h->reload_cmd[0] && !j->restart_cmd[0])
        return;
    if (*cancel) {
        snprintf(j->hook_text, sizeof j->hook_text, "commands not run: agent shutdown");
        j->hook_failed = 1;
        return;
    }

    char key[PATH_MAX], crt[PATH_MAX], chain[PATH_MAX];
    scep_keystore_key_path(j->ks, k->name, key, sizeof key);
    scep_keystore_cert_path(j->ks, k->name, crt, sizeof crt);
    scep_keystore_chain_path(j->ks, k->name, chain, sizeof chain);
    int have_chain = access(chain, F_OK) == 0;
    scep_error e;
    scep_error_clear(&e);

    if (h->install_dir[0]) {
        char ikey[PATH_MAX], icrt[PATH_MAX], ichain[PATH_MAX];
        scep_rc rc = SCEP_OK;
        if (join_path(ikey, sizeof ikey, h->install_dir, k->name, ".key") ||
            join_path(icrt, sizeof icrt, h->install_dir, k->name, ".crt") ||
            join_path(ichain, sizeof ichain, h->install_dir, k->name, ".chain.pem"))
            rc = scep_error_set(&e, SCEP_E_IO, "install path too long");
        if (!rc)
            rc = install_one(key, ikey, h->mode ? h->mode : 0600, h, 1, &e);
        if (!rc)
            rc = install_one(crt, icrt, 0644, h, 0, &e);
        if (!rc && have_chain)
            rc = install_one(chain, ichain, 0644, h, 0, &e);
        if (rc) {
            hook_fail(j, "install", &e);
            scep_log(SCEP_LOG_ERR, "key \"%s\": install into %s failed: %s", k->name,
                     h->install_dir, e.text);
            return;
        }
        memcpy(key, ikey, sizeof key);
        memcpy(crt, icrt, sizeof crt);
        memcpy(chain, ichain, sizeof chain);
        scep_log(SCEP_LOG_INFO, "key \"%s\": installed into %s", k->name, h->install_dir);
    }

    const char *env[ENV_VARS + 1];
    snprintf(j->env[0], sizeof j->env[0], "SCEP_KEY_NAME=%s", k->name);
    snprintf(j->env[1], sizeof j->env[1], "SCEP_KEY_FILE=%s", key);
    snprintf(j->env[2], sizeof j->env[2], "SCEP_CERT_FILE=%s", crt);
    snprintf(j->env[3], sizeof j->env[3], "SCEP_CHAIN_FILE=%s", have_chain ? chain : "");
    snprintf(j->env[4], sizeof j->env[4], "SCEP_USAGE=%s",
             scep_usage_name((scep_usage)usage));
    snprintf(j->env[5], sizeof j->env[5], "SCEP_KEY_INDEX=%u", (unsigned)k->index);
    for (int i = 0; i < ENV_VARS; i++)
        env[i] = j->env[i];
    env[ENV_VARS] = NULL;

    if (h->reload_cmd[0]) {
        scep_error_clear(&e);
        if (scep_run_command(h->reload_cmd, env, j->cmd_timeout, &e) != SCEP_OK) {
            hook_fail(j, "reload command", &e);
            scep_log(SCEP_LOG_ERR, "key \"%s\": reload command failed: %s", k->name,
                     e.text);
        } else {
            scep_log(SCEP_LOG_INFO, "key \"%s\": reload command done", k->name);
        }
    }
    if (j->restart_cmd[0] && !*cancel) {
        scep_error_clear(&e);
        if (scep_run_command(j->restart_cmd, env, j->cmd_timeout, &e) != SCEP_OK) {
            hook_fail(j, "restart command", &e);
            scep_log(SCEP_LOG_ERR, "key \"%s\": restart command failed: %s", k->name,
                     e.text);
        } else {
            scep_log(SCEP_LOG_INFO, "key \"%s\": restart command done", k->name);
        }
    }
}

static void enroll_run(void *arg, volatile int *cancel)
{
    enroll_job *j = arg;
    scep_client *c = NULL;
    j->ran = 1;
    scep_error_clear(&j->err);
    j->rc = scep_client_new(&j->s, &c, &j->err);
    if (!j->rc) {
        scep_client_set_cancel(c, cancel);
        if (scep_pending_exists(j->ks, j->name)) { /* M12: resume, never a new PKCSReq */
            j->polled = 1;
            j->rc = scep_poll(c, j->ks, j->name, &j->res, &j->err);
        } else {
            j->rc = scep_enroll(c, j->ks, &j->p, NULL, &j->res, &j->err);
        }
    }
    scep_client_free(c);
    scep_params_wipe(&j->p); /* X2: not kept longer than needed */
    if (j->rc == SCEP_OK)
        run_hooks(j, cancel);
}

/* ---- main thread --------------------------------------------------------- */

static void unlink_outstanding(enroll_job *j)
{
    for (enroll_job **pp = &outstanding; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            return;
        }
}

static void free_job(enroll_job *j)
{
    scep_wipe(j, sizeof *j);
    free(j);
}

/* TOFU (X6): the first CA fingerprint seen is kept. */
static void record_ca_seen(const char *fpr)
{
    if (!fpr[0] || g_agent.st.ca_pin[0])
        return;
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

static void enroll_done(void *arg, int cancelled)
{
    enroll_job *j = arg;
    unlink_outstanding(j);
    scep_error err;
    if (!j->ran) {
        scep_error_clear(&err);
        scep_error_set(&err, SCEP_E_CANCELLED, "cancelled before it ran (agent shutdown)");
    } else {
        err = j->err;
        err.code = j->rc;
        if (j->rc == SCEP_OK)
            err.text[0] = 0;
    }

    scep_hist_entry *row = scep_history_find(g_agent.hist, j->hist_index);
    if (row) {
        scep_history_finish(row, &err, scep_now());
        row->polls = j->res.polls;
        if (j->res.transaction_id[0])
            snprintf(row->transaction_id, sizeof row->transaction_id, "%s",
                     j->res.transaction_id);
        if (j->ran && j->rc == SCEP_OK && j->hook_failed) {
            row->code = SCEP_E_COMMAND; /* completed(4), restartCommandFailed(29) */
            snprintf(row->text, sizeof row->text, "%s", j->hook_text);
        }
        scep_error se;
        scep_error_clear(&se);
        if (scep_history_save(g_agent.hist, &se) != SCEP_OK)
            snmp_log(LOG_ERR, "history not saved: %s\n", se.text);
    } else {
        snmp_log(LOG_WARNING, "history row %u of \"%s\" was overwritten before it ended\n",
                 (unsigned)j->hist_index, j->name);
    }

    char detail[320];
    if (j->rc == SCEP_OK && j->ran)
        snmp_log(LOG_NOTICE,
                 "manual request %u for \"%s\": certificate obtained (key %u)%s%s\n",
                 (unsigned)j->hist_index, j->name, (unsigned)j->res.key.index,
                 j->hook_failed ? "; " : "", j->hook_failed ? j->hook_text : "");
    else
        snmp_log(LOG_NOTICE, "manual request %u for \"%s\": %s\n", (unsigned)j->hist_index,
                 j->name, scep_error_format(&err, detail, sizeof detail));

    if (j->ran)
        record_ca_seen(j->res.ca_fpr);
    if (!cancelled && j->ran) { /* at shutdown: the history only */
        mib_keys_refresh();
        if (j->rc == SCEP_OK) {
            agent_notify_key(AGENT_NOTIFY_OBTAINED, j->res.key.index);
            if (j->hook_failed && row)
                agent_notify_history(AGENT_NOTIFY_FAILED, j->hist_index);
        } else if (row) {
            if (j->rc == SCEP_E_PENDING) {
                if (!j->polled) /* once per transaction, not for its polls */
                    agent_notify_history(AGENT_NOTIFY_PENDING, j->hist_index);
            } else if (j->rc == SCEP_E_KEYSTORE_FULL) {
                agent_notify_history(AGENT_NOTIFY_STORE_FULL, j->hist_index);
            } else {
                agent_notify_history(AGENT_NOTIFY_FAILED, j->hist_index);
            }
        }
    }
    free_job(j);
}

void agent_enroll_queue_manual(const agent_manual *m)
{
    enroll_job *j = calloc(1, sizeof *j);
    scep_hist_entry *row = scep_history_add(g_agent.hist, m->p.name, SCEP_SRC_MANUAL,
                                            SCEP_HIST_INPROGRESS, scep_now());
    last_manual_index = row->index;
    scep_error e;
    scep_error_clear(&e);
    if (!j) {
        scep_error_set(&e, SCEP_E_NOMEM, "cannot queue the request");
        scep_history_finish(row, &e, scep_now());
        scep_history_save(g_agent.hist, NULL);
        snmp_log(LOG_ERR, "manual request for \"%s\": out of memory\n", m->p.name);
        return;
    }
    j->hist_index = row->index;
    snprintf(j->name, sizeof j->name, "%s", m->p.name);
    j->ks = g_agent.ks;
    j->p = m->p;
    if (j->p.usage != SCEP_USAGE_IPSEC) /* the MIB: ignored for the other usages */
        j->p.ipsec_policy[0] = 0;
    agent_client_settings(&j->s);
    memcpy(j->hooks, g_agent.conf.hooks, sizeof j->hooks);
    snprintf(j->restart_cmd, sizeof j->restart_cmd, "%s", g_agent.conf.restart_cmd);
    j->cmd_timeout = g_agent.conf.cmd_timeout;
    if (scep_history_save(g_agent.hist, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "history not saved: %s\n", e.text);

    if (scep_jobq_submit(g_agent.jobs, enroll_run, enroll_done, j) != SCEP_OK) {
        scep_error_clear(&e);
        scep_error_set(&e, SCEP_E_NOMEM, "cannot queue the request");
        scep_history_finish(row, &e, scep_now());
        scep_history_save(g_agent.hist, NULL);
        snmp_log(LOG_ERR, "manual request for \"%s\": cannot queue the job\n", j->name);
        free_job(j);
        return;
    }
    j->next = outstanding;
    outstanding = j;
    DEBUGMSGTL(("scepagentd/enroll", "row %u: %s, CN %s, %u bits, usage %s, queued\n",
                (unsigned)j->hist_index, j->name, j->p.cn, j->p.bits,
                scep_usage_name(j->p.usage)));
    snmp_log(LOG_INFO, "manual request %u for \"%s\" queued\n", (unsigned)j->hist_index,
             j->name);
}

/* ---- restart command on demand (scepcReqRestart) ------------------------- */

static void restart_run(void *arg, volatile int *cancel)
{
    restart_job *r = arg;
    if (*cancel)
        return;
    r->ran = 1;
    scep_error_clear(&r->err);
    static const char *const no_env[] = {NULL};
    r->rc = scep_run_command(r->cmd, no_env, r->timeout, &r->err);
}

static void restart_done(void *arg, int cancelled)
{
    restart_job *r = arg;
    if (!r->ran)
        snmp_log(LOG_WARNING, "restart command (%s) not run: agent shutdown\n", r->why);
    else if (r->rc)
        snmp_log(LOG_ERR, "restart command (%s) failed: %s\n", r->why, r->err.text);
    else
        snmp_log(LOG_NOTICE, "restart command (%s) done\n", r->why);
    (void)cancelled;
    free(r);
}

void agent_restart_queue(const char *why)
{
    if (!g_agent.conf.restart_cmd[0]) {
        snmp_log(LOG_WARNING,
                 "restart (%s): no restartCommand in the local configuration\n", why);
        return;
    }
    restart_job *r = calloc(1, sizeof *r);
    if (!r) {
        snmp_log(LOG_ERR, "restart (%s): out of memory\n", why);
        return;
    }
    snprintf(r->cmd, sizeof r->cmd, "%s", g_agent.conf.restart_cmd);
    snprintf(r->why, sizeof r->why, "%s", why);
    r->timeout = g_agent.conf.cmd_timeout;
    if (scep_jobq_submit(g_agent.jobs, restart_run, restart_done, r) != SCEP_OK) {
        snmp_log(LOG_ERR, "restart (%s): cannot queue the job\n", why);
        free(r);
        return;
    }
    snmp_log(LOG_INFO, "restart command queued (%s)\n", why);
}
