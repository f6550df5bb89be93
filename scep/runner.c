/*
 * runner.c - the request runner (scep-runner.h): history row, job on the
 * worker thread (poll or enroll, install copy, reload and restart commands),
 * completion and events on the dispatching thread.
 *
 * A job carries private copies of everything it uses (parameters with the
 * challenge, settings, the hook of its usage, the restart command), so the
 * worker never reads state the main thread may change meanwhile (a SET, a
 * SIGHUP); only the key store is shared, and it has its own lock. The
 * challenge is wiped as soon as the request is built and again when the job
 * is freed.
 */
#include "config.h"

#include "scep-runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENV_VARS 6

typedef struct run_job {
    struct run_job *next; /* outstanding list (dispatching thread only) */
    scep_runner *r;
    uint32_t hist_index;
    scep_run_req req; /* private copy; secret: req.p.challenge */
    scep_runner_conf conf;
    /* results, written by the worker, read at completion */
    int ran;
    int polled;
    scep_rc rc;
    scep_error err;
    scep_enroll_result res;
    int hook_failed;
    char hook_text[256];
    struct timespec t0; /* submitted (CLOCK_MONOTONIC): the outcome's duration */
    char env[ENV_VARS][PATH_MAX + 32];
} run_job;

typedef struct restart_job {
    scep_runner *r;
    time_t queued;
    char cmd[SCEP_CMD_MAX];
    unsigned timeout;
    char why[64];
    int ran;
    scep_rc rc;
    scep_error err;
} restart_job;

struct scep_runner {
    scep_keystore *ks;
    scep_history *hist;
    scep_jobq *jobs;
    scep_run_event_fn fn;
    void *ctx;
    scep_runner_conf conf;
    run_job *outstanding;
};

const char *scep_source_name(scep_hist_source src)
{
    return src == SCEP_SRC_AUTO ? "automatic" : "manual";
}

scep_rc scep_runner_new(scep_keystore *ks, scep_history *hist, scep_jobq *jobs,
                        scep_run_event_fn fn, void *ctx, scep_runner **out, scep_error *e)
{
    scep_runner *r = calloc(1, sizeof *r);
    if (!r)
        return scep_error_set(e, SCEP_E_NOMEM, "runner");
    r->ks = ks;
    r->hist = hist;
    r->jobs = jobs;
    r->fn = fn;
    r->ctx = ctx;
    r->conf.cmd_timeout = 60;
    for (int i = 0; i < 5; i++) {
        r->conf.hooks[i].owner = (uid_t)-1;
        r->conf.hooks[i].group = (gid_t)-1;
    }
    *out = r;
    return SCEP_OK;
}

void scep_runner_free(scep_runner *r)
{
    if (!r)
        return;
    /* Jobs still listed never completed (no dispatch after the queue was
     * freed): they were freed by their done callback or leak with the queue;
     * only forget them here. */
    r->outstanding = NULL;
    free(r);
}

void scep_runner_set_conf(scep_runner *r, const scep_runner_conf *c)
{
    r->conf = *c;
}

const scep_runner_conf *scep_runner_get_conf(const scep_runner *r)
{
    return &r->conf;
}

int scep_runner_busy(const scep_runner *r, const char *name)
{
    for (const run_job *j = r->outstanding; j; j = j->next)
        if (strcmp(j->req.p.name, name) == 0)
            return 1;
    return 0;
}

unsigned scep_runner_outstanding(const scep_runner *r)
{
    unsigned n = 0;
    for (const run_job *j = r->outstanding; j; j = j->next)
        n++;
    return n;
}

static void save_history(scep_runner *r)
{
    scep_error e;
    scep_error_clear(&e);
    if (scep_history_save(r->hist, &e) != SCEP_OK)
        scep_log(SCEP_LOG_ERR, "history not saved: %s", e.text);
}

uint32_t scep_runner_add_waiting(scep_runner *r, const char *name, scep_hist_source src,
                                 time_t when)
{
    scep_hist_entry *row = scep_history_add(r->hist, name, src, SCEP_HIST_WAITING, when);
    save_history(r);
    return row->index;
}

/* ---- worker thread ------------------------------------------------------- */

/* Copy one key store file into the install directory, atomically. */
static scep_rc install_one(const char *src, const char *dst, unsigned mode,
                           const scep_hook *h, int secret, scep_error *e)
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

static void hook_fail(run_job *j, const char *what, const scep_error *e)
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

static void run_one_command(run_job *j, const char *what, const char *cmd,
                            const char *const *env)
{
    const char *name = j->res.key.name;
    scep_error e;
    scep_error_clear(&e);
    if (scep_run_command(cmd, env, j->conf.cmd_timeout, &e) != SCEP_OK) {
        hook_fail(j, what, &e);
        scep_log(SCEP_LOG_ERR, "key \"%s\": %s failed: %s", name, what, e.text);
    } else {
        scep_log(SCEP_LOG_INFO, "key \"%s\": %s done", name, what);
    }
}

/* M9, A5, X4: per-usage install copy, reload command, restart command. */
static void run_hooks(run_job *j, volatile int *cancel)
{
    const scep_keyinfo *k = &j->res.key;
    int usage = (int)k->usage;
    if (usage < SCEP_USAGE_NONE || usage > SCEP_USAGE_DOT1X)
        usage = SCEP_USAGE_NONE;
    const scep_hook *h = &j->conf.hooks[usage];
    const char *restart = j->req.run_restart ? j->conf.restart_cmd : "";
    if (!h->install_dir[0] && !h->reload_cmd[0] && !restart[0])
        return;
    if (*cancel) {
        snprintf(j->hook_text, sizeof j->hook_text, "commands not run: agent shutdown");
        j->hook_failed = 1;
        return;
    }

    char key[PATH_MAX], crt[PATH_MAX], chain[PATH_MAX];
    scep_keystore_key_path(j->r->ks, k->name, key, sizeof key);
    scep_keystore_cert_path(j->r->ks, k->name, crt, sizeof crt);
    scep_keystore_chain_path(j->r->ks, k->name, chain, sizeof chain);
    int have_chain = access(chain, F_OK) == 0;

    if (h->install_dir[0]) {
        char ikey[PATH_MAX], icrt[PATH_MAX], ichain[PATH_MAX];
        scep_error e;
        scep_error_clear(&e);
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
            return; /* the commands would load stale files */
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

    if (h->reload_cmd[0])
        run_one_command(j, "reload command", h->reload_cmd, env);
    if (restart[0] && !*cancel)
        run_one_command(j, "restart command", restart, env);
}

static void job_run(void *arg, volatile int *cancel)
{
    run_job *j = arg;
    scep_client *c = NULL;
    j->ran = 1;
    scep_error_clear(&j->err);
    j->rc = scep_client_new(&j->req.s, &c, &j->err);
    if (!j->rc) {
        scep_client_set_cancel(c, cancel);
        if (j->req.transport)
            scep_client_set_transport(c, j->req.transport, j->req.transport_ctx);
        const char *name = j->req.store_as[0] ? j->req.store_as : j->req.p.name;
        if (scep_pending_exists(j->r->ks, name)) {
            /* M12, A3, B2: resume, never a new PKCSReq */
            j->polled = 1;
            j->rc = scep_poll(c, j->r->ks, name, &j->res, &j->err);
        } else {
            scep_enroll_opts o = {.replace_usage = j->req.replace_usage,
                                  .store_as = j->req.store_as[0] ? j->req.store_as : NULL,
                                  .renew_name =
                                      j->req.renew_name[0] ? j->req.renew_name : NULL};
            j->rc = scep_enroll(c, j->r->ks, &j->req.p, &o, &j->res, &j->err);
        }
    }
    scep_client_free(c);
    scep_params_wipe(&j->req.p); /* X2: not kept longer than needed */
    if (j->rc == SCEP_OK)
        run_hooks(j, cancel);
}

/* ---- dispatching thread -------------------------------------------------- */

static void unlink_outstanding(run_job *j)
{
    for (run_job **pp = &j->r->outstanding; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            return;
        }
}

static void free_job(run_job *j)
{
    scep_wipe(j, sizeof *j);
    free(j);
}

static void emit(run_job *j, scep_run_event_type type, const scep_error *err, int shutdown)
{
    if (!j->r->fn)
        return;
    scep_run_event ev = {.type = type,
                         .source = j->req.source,
                         .hist_index = j->hist_index,
                         .name = j->req.p.name,
                         .ran = j->ran,
                         .polled = j->polled,
                         .res = &j->res,
                         .err = err,
                         .shutdown = shutdown};
    j->r->fn(j->r->ctx, &ev);
}

/* One line per request outcome (issue 11): the key name, the detail, the
 * server host (never user:password) and how long it took. */
static void log_outcome(const run_job *j, const scep_error *err)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - j->t0.tv_sec) + (t1.tv_nsec - j->t0.tv_nsec) / 1e9;
    if (!j->t0.tv_sec && !j->t0.tv_nsec)
        secs = 0;
    char host[256], detail[320];
    scep_url_host(j->req.s.url, host, sizeof host);
    const char *src = scep_source_name(j->req.source);
    if (j->rc == SCEP_OK && j->ran)
        scep_log(SCEP_LOG_NOTICE,
                 "%s request %u for \"%s\": completed, key \"%s\" (index %u), server %s, "
                 "%.2f s%s%s",
                 src, (unsigned)j->hist_index, j->req.p.name, j->res.key.name,
                 (unsigned)j->res.key.index, host, secs, j->hook_failed ? "; " : "",
                 j->hook_failed ? j->hook_text : "");
    else
        scep_log(SCEP_LOG_NOTICE, "%s request %u for \"%s\": %s, server %s, %.2f s", src,
                 (unsigned)j->hist_index, j->req.p.name,
                 scep_error_format(err, detail, sizeof detail), host, secs);
}

static void job_done(void *arg, int cancelled)
{
    run_job *j = arg;
    scep_runner *r = j->r;
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

    scep_hist_entry *row = scep_history_find(r->hist, j->hist_index);
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
        save_history(r);
    } else {
        scep_log(SCEP_LOG_WARNING,
                 "history row %u of \"%s\" was overwritten before it ended",
                 (unsigned)j->hist_index, j->req.p.name);
        j->hist_index = 0;
    }

    log_outcome(j, &err);

    int shutdown = cancelled != 0;
    if (!j->ran) {
        emit(j, SCEP_EV_CANCELLED, &err, shutdown);
    } else if (j->rc == SCEP_OK) {
        emit(j, SCEP_EV_OBTAINED, &err, shutdown);
        if (j->hook_failed) {
            scep_error herr;
            scep_error_clear(&herr);
            scep_error_set(&herr, SCEP_E_COMMAND, "%s", j->hook_text);
            emit(j, SCEP_EV_COMMAND_FAILED, &herr, shutdown);
        }
    } else if (j->rc == SCEP_E_PENDING) {
        emit(j, j->polled ? SCEP_EV_POLL_PENDING : SCEP_EV_PENDING, &err, shutdown);
    } else if (j->rc == SCEP_E_KEYSTORE_FULL) {
        emit(j, SCEP_EV_STORE_FULL, &err, shutdown);
    } else if (j->rc == SCEP_E_CANCELLED) {
        emit(j, SCEP_EV_CANCELLED, &err, shutdown);
    } else {
        emit(j, SCEP_EV_FAILED, &err, shutdown);
    }
    free_job(j);
}

/* ---- a manual request cut off by a crash after its key was stored -------- */

static void recover_run(void *arg, volatile int *cancel)
{
    run_job *j = arg;
    j->ran = 1;
    j->rc = SCEP_OK;
    run_hooks(j, cancel); /* install copy, reload and restart commands */
}

/* Finish `row` as the job of `k` would have finished: In progress again,
 * then the commands off this thread and job_done (Completed, OBTAINED). */
static int recover_row(scep_runner *r, scep_hist_entry *row, const scep_keyinfo *k,
                       const char *req_name, scep_hist_source src, int run_restart)
{
    run_job *j = calloc(1, sizeof *j);
    if (!j)
        return 0;
    j->r = r;
    j->hist_index = row->index;
    j->req.source = src;
    snprintf(j->req.p.name, sizeof j->req.p.name, "%s", req_name);
    j->req.run_restart = run_restart;
    j->conf = r->conf;
    j->res.key = *k;
    j->res.polls = row->polls;
    clock_gettime(CLOCK_MONOTONIC, &j->t0);
    row->state = SCEP_HIST_INPROGRESS;
    row->code = SCEP_OK;
    row->text[0] = 0;
    row->completed = 0;
    if (scep_jobq_submit(r->jobs, recover_run, job_done, j) != SCEP_OK) {
        free_job(j);
        return 0;
    }
    j->next = r->outstanding;
    r->outstanding = j;
    scep_log(SCEP_LOG_NOTICE,
             "%s request %u for \"%s\": its certificate (key \"%s\") was stored before "
             "the agent stopped; finishing it",
             scep_source_name(src), (unsigned)row->index, req_name, k->name);
    save_history(r);
    return 1;
}

unsigned scep_runner_recover(scep_runner *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < scep_history_count(r->hist); i++) {
        scep_hist_entry *row = scep_history_at(r->hist, i);
        scep_keyinfo k;
        if (row->source != SCEP_SRC_MANUAL || row->state != SCEP_HIST_ERROR ||
            row->code != SCEP_E_CANCELLED || !strstr(row->text, SCEP_HIST_INTERRUPTED) ||
            !row->name[0] || scep_runner_busy(r, row->name) ||
            scep_keystore_get(r->ks, row->name, &k, NULL) != SCEP_OK || !k.has_cert ||
            k.created < row->requested)
            continue;
        /* Its certificate was stored: finish it as it would have finished
         * (M9: a manual request runs the restart command too). */
        if (!recover_row(r, row, &k, row->name, SCEP_SRC_MANUAL, 1))
            break;
        n++;
    }
    return n;
}

/* "<name>" or "<name>-<digits>": the names an automatic run stores under. */
static int auto_name_of(const char *key, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(key, name, n) != 0)
        return 0;
    if (key[n] == 0)
        return 1;
    if (key[n] != '-' || !key[n + 1])
        return 0;
    for (const char *p = key + n + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int scep_runner_recover_auto(scep_runner *r, uint32_t hist_index, scep_usage usage,
                             int run_restart)
{
    scep_hist_entry *row = scep_history_find(r->hist, hist_index);
    if (!row || row->source != SCEP_SRC_AUTO || row->state == SCEP_HIST_COMPLETED ||
        !row->name[0] || scep_runner_busy(r, row->name))
        return 0;
    scep_keyinfo *keys = NULL;
    size_t count = 0;
    scep_error e;
    scep_error_clear(&e);
    if (scep_keystore_list(r->ks, &keys, &count, &e) != SCEP_OK)
        return 0;
    const scep_keyinfo *best = NULL;
    for (size_t i = 0; i < count; i++) {
        const scep_keyinfo *k = &keys[i];
        if (!k->has_cert || k->usage != usage || k->created < row->requested ||
            !auto_name_of(k->name, row->name))
            continue;
        if (!best || k->created > best->created ||
            (k->created == best->created && k->index > best->index))
            best = k;
    }
    int done = best && recover_row(r, row, best, row->name, SCEP_SRC_AUTO, run_restart);
    free(keys);
    return done;
}

static void fail_row(scep_runner *r, scep_hist_entry *row, const char *why)
{
    scep_error e;
    scep_error_clear(&e);
    scep_error_set(&e, SCEP_E_NOMEM, "%s", why);
    scep_history_finish(row, &e, scep_now());
    save_history(r);
}

scep_rc scep_runner_submit(scep_runner *r, const scep_run_req *req, uint32_t *hist_index,
                           scep_error *e)
{
    if (hist_index)
        *hist_index = 0;
    if (scep_runner_busy(r, req->p.name))
        return scep_error_set(e, SCEP_E_BUSY, "a request for \"%s\" is queued or running",
                              req->p.name);
    scep_hist_entry *row =
        req->hist_index ? scep_history_find(r->hist, req->hist_index) : NULL;
    if (row && row->state != SCEP_HIST_COMPLETED && !strcmp(row->name, req->p.name)) {
        /* the Waiting row of a scheduled run, or the row of a run that goes
         * on with a retry or poll (T2: one row per transaction) */
        if (row->state == SCEP_HIST_WAITING)
            row->requested = scep_now();
        row->state = SCEP_HIST_INPROGRESS;
        row->completed = 0;
    } else {
        row = scep_history_add(r->hist, req->p.name, req->source, SCEP_HIST_INPROGRESS,
                               scep_now());
    }
    if (hist_index)
        *hist_index = row->index;

    run_job *j = calloc(1, sizeof *j);
    if (!j) {
        fail_row(r, row, "cannot queue the request");
        return scep_error_set(e, SCEP_E_NOMEM, "cannot queue the request");
    }
    j->r = r;
    j->hist_index = row->index;
    j->req = *req;
    j->req.hist_index = row->index;
    if (j->req.p.usage != SCEP_USAGE_IPSEC) /* the MIB: ignored for the other usages */
        j->req.p.ipsec_policy[0] = 0;
    j->conf = r->conf;
    clock_gettime(CLOCK_MONOTONIC, &j->t0);
    save_history(r);

    if (scep_jobq_submit(r->jobs, job_run, job_done, j) != SCEP_OK) {
        fail_row(r, row, "cannot queue the request");
        free_job(j);
        return scep_error_set(e, SCEP_E_NOMEM, "cannot queue the request");
    }
    j->next = r->outstanding;
    r->outstanding = j;
    scep_log(SCEP_LOG_INFO, "%s request %u for \"%s\" queued",
             scep_source_name(req->source), (unsigned)j->hist_index, req->p.name);
    emit(j, SCEP_EV_QUEUED, NULL, 0);
    return SCEP_OK;
}

/* ---- restart command on demand (M9) -------------------------------------- */

static void restart_run(void *arg, volatile int *cancel)
{
    restart_job *rj = arg;
    if (*cancel)
        return;
    rj->ran = 1;
    scep_error_clear(&rj->err);
    static const char *const no_env[] = {NULL};
    rj->rc = scep_run_command(rj->cmd, no_env, rj->timeout, &rj->err);
}

static void restart_done(void *arg, int cancelled)
{
    restart_job *rj = arg;
    if (!rj->ran)
        scep_log(SCEP_LOG_WARNING, "restart command (%s) not run: agent shutdown", rj->why);
    else if (rj->rc)
        scep_log(SCEP_LOG_ERR, "restart command (%s) failed: %s", rj->why, rj->err.text);
    else
        scep_log(SCEP_LOG_NOTICE, "restart command (%s) done", rj->why);
    if (rj->ran && rj->rc) {
        /* Recorded where an operator looks: a history row (no key name,
         * Error, restartCommandFailed) and the failed event (scepcEnrollFailed). */
        scep_runner *r = rj->r;
        scep_hist_entry *row = scep_history_add(r->hist, "", SCEP_SRC_MANUAL,
                                                SCEP_HIST_INPROGRESS, rj->queued);
        scep_error err;
        scep_error_clear(&err);
        scep_error_set(&err, SCEP_E_COMMAND, "restart command (%s): %s", rj->why,
                       rj->err.text);
        scep_history_finish(row, &err, scep_now());
        save_history(r);
        if (r->fn) {
            scep_enroll_result none;
            memset(&none, 0, sizeof none);
            scep_run_event ev = {.type = SCEP_EV_COMMAND_FAILED,
                                 .source = SCEP_SRC_MANUAL,
                                 .hist_index = row->index,
                                 .name = "",
                                 .ran = 1,
                                 .res = &none,
                                 .err = &err,
                                 .shutdown = cancelled != 0};
            r->fn(r->ctx, &ev);
        }
    }
    free(rj);
}

scep_rc scep_runner_restart(scep_runner *r, const char *why, scep_error *e)
{
    if (!r->conf.restart_cmd[0])
        return scep_error_set(e, SCEP_E_INVALID,
                              "no restartCommand in the local configuration");
    restart_job *rj = calloc(1, sizeof *rj);
    if (!rj)
        return scep_error_set(e, SCEP_E_NOMEM, "restart: out of memory");
    rj->r = r;
    rj->queued = scep_now();
    snprintf(rj->cmd, sizeof rj->cmd, "%s", r->conf.restart_cmd);
    snprintf(rj->why, sizeof rj->why, "%s", why);
    rj->timeout = r->conf.cmd_timeout;
    if (scep_jobq_submit(r->jobs, restart_run, restart_done, rj) != SCEP_OK) {
        free(rj);
        return scep_error_set(e, SCEP_E_NOMEM, "restart: cannot queue the job");
    }
    scep_log(SCEP_LOG_INFO, "restart command queued (%s)", why);
    return SCEP_OK;
}
