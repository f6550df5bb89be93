/*
 * autorun.c - the automatic request running (SPEC.md A1-A8, B2, B4, T2): the
 * glue between the scheduler (scep/sched.c, pure functions) and the request
 * runner (scep/runner.c).
 *
 * One snmp_alarm is armed at scep_sched_wakeup() and re-armed after every
 * change: a SET or import of the automatic settings (agent_autorun_changed),
 * a completion of an automatic request (agent_autorun_event), the alarm
 * itself. When it fires, scep_sched_due() says what to start: a scheduled
 * run or a B4 renewal (a new request), a retry after a communication error
 * (the request again), or a poll (the runner polls the saved transaction of
 * the key name: CertPoll with the same transactionID, A3, B2).
 *
 * The scheduler's run state is saved whole (temp + fsync + rename) in
 * stateDir/auto-run.state after every change, in the scheduler's own
 * "keyword value" lines (scep_sched_format/parse: this file parses nothing).
 * At start the state is loaded and scep_sched_restart() recomputes the next
 * run: a run missed while the agent was down happens once, with the delay
 * already drawn (A8); a try that was in flight is made again (a PENDING one
 * is polled: its key and transactionID are in the key store, B2).
 *
 * The next scheduled run is also a Waiting history row (T2, A4) with the
 * time scepcAutoNextRun shows; the row goes In progress when the run
 * starts. When the timer is turned off or the time moves, the row follows
 * (a row that is no longer scheduled ends as cancelled).
 *
 * Which key: with scepcAutoDeletePrevious on (A6) the new key replaces the
 * newest non-default key of the same usage, only after it is stored; off,
 * each run stores a new key: the key name when it is free, else
 * "<name>-<n>" with the smallest free n from 2. B4 watches the certificate of the
 * automatic usage with the latest expiry (never the default key).
 */
#include "config.h"

#include "agent.h"
#include "scep-sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_STATE_FILE "auto-run.state"

static struct {
    scep_sched_state st;
    unsigned alarm;       /* snmp_alarm registration, 0 = none */
    uint32_t waiting_row; /* the Waiting row of the next run, 0 = none */
    uint32_t run_row;     /* the row of the run in progress (all its tries, T2) */
    int reopen;           /* a try ended and the run goes on: row back to In progress */
    int started;
} R;

static void cfg_of(scep_sched_cfg *c)
{
    const agent_auto *a = &g_agent.st.autoreq;
    memset(c, 0, sizeof *c);
    c->enable = a->enable;
    c->start = scep_auto_start_time(a);
    c->jitter = a->jitter;
    c->poll_count = a->poll_count;
    c->poll_interval = a->poll_interval ? a->poll_interval : 1;
    c->interval = a->interval;
    c->renew_days = a->renew_days;
}

static void state_path(char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", g_agent.conf.state_dir, RUN_STATE_FILE);
}

static void save(void)
{
    char text[SCEP_SCHED_TEXT_MAX], path[PATH_MAX + 32];
    scep_error e;
    scep_error_clear(&e);
    if (scep_sched_format(&R.st, text, sizeof text) != SCEP_OK)
        return;
    state_path(path, sizeof path);
    if (scep_write_file_atomic(path, text, strlen(text), 0600, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "automatic request: state not saved: %s\n", e.text);
}

static void load(void)
{
    char path[PATH_MAX + 32];
    char *data = NULL;
    size_t len = 0;
    scep_error e;
    scep_error_clear(&e);
    scep_sched_init(&R.st);
    state_path(path, sizeof path);
    if (access(path, F_OK) != 0)
        return; /* first start */
    if (scep_read_file(path, &data, &len, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "automatic request: %s: %s\n", path, e.text);
        return;
    }
    if (scep_sched_parse(&R.st, data, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "automatic request: %s refused (%s): schedule starts afresh\n",
                 path, e.text);
    free(data);
}

/* Publish to scepcAutoOperStatus / NextRun / Failures / LastFailed. */
static void publish(const scep_sched_cfg *c, time_t now)
{
    scep_sched_oper op = scep_sched_status(c, &R.st);
    g_auto_status.running = op == SCEP_SCHED_RUNNING;
    g_auto_status.finished = op == SCEP_SCHED_FINISHED;
    g_auto_status.next_run = scep_sched_next(c, &R.st, now);
    g_auto_status.failures = R.st.failures;
    g_auto_status.last_failed = R.st.last_failed;
}

static void save_history(void)
{
    scep_error e;
    scep_error_clear(&e);
    if (scep_history_save(g_agent.hist, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "history not saved: %s\n", e.text);
}

/* The Waiting row follows the next scheduled run (T2). */
static void sync_waiting_row(time_t next)
{
    scep_hist_entry *row =
        R.st.wait_tag ? scep_history_find(g_agent.hist, R.st.wait_tag) : NULL;
    if (row && row->state != SCEP_HIST_WAITING)
        row = NULL;
    if (row && strcmp(row->name, g_agent.st.autoreq.p.name) != 0) { /* renamed */
        scep_error e;
        scep_error_clear(&e);
        scep_error_set(&e, SCEP_E_CANCELLED, "the key name changed");
        scep_history_finish(row, &e, scep_now());
        save_history();
        row = NULL;
    }
    if (!row)
        R.st.wait_tag = 0;
    int in_run = R.st.kind != SCEP_SCHED_KIND_NONE; /* a run, between its tries too */
    if (next <= 0 || in_run) {
        if (row && !in_run) { /* not scheduled any more */
            scep_error e;
            scep_error_clear(&e);
            scep_error_set(&e, SCEP_E_CANCELLED, "no longer scheduled");
            scep_history_finish(row, &e, scep_now());
            save_history();
            R.st.wait_tag = 0;
        }
        return;
    }
    if (row) {
        if (row->requested != next) {
            row->requested = next;
            save_history();
        }
        return;
    }
    R.st.wait_tag = scep_runner_add_waiting(g_agent.runner, g_agent.st.autoreq.p.name,
                                            SCEP_SRC_AUTO, next);
}

static void alarm_fired(unsigned reg, void *arg);

static void rearm(const scep_sched_cfg *c, time_t now)
{
    if (R.alarm) {
        snmp_alarm_unregister(R.alarm);
        R.alarm = 0;
    }
    publish(c, now);
    uint32_t tag = R.st.wait_tag;
    sync_waiting_row(g_auto_status.next_run);
    if (tag != R.st.wait_tag)
        save();
    time_t w = scep_sched_wakeup(c, &R.st, now);
    if (w <= 0)
        return;
    long secs = w > now ? (long)(w - now) : 0;
    struct timeval tv = {.tv_sec = secs, .tv_usec = secs ? 0 : 10000};
    R.alarm = snmp_alarm_register_hr(tv, 0, alarm_fired, NULL);
    if (!R.alarm)
        snmp_log(LOG_ERR, "automatic request: cannot arm the timer\n");
    char next[32];
    DEBUGMSGTL(("scepagentd/auto", "wake up in %ld s (next run %s)\n", secs,
                scep_time_iso(g_auto_status.next_run, next, sizeof next)));
}

static int is_default_key(const char *name)
{
    return g_agent.conf.default_key[0] && strcmp(name, g_agent.conf.default_key) == 0;
}

/* Days left of the certificate B4 watches; SCEP_SCHED_NO_CERT when none. */
static long usage_days_left(time_t now)
{
    size_t n = 0;
    const scep_keyinfo *keys = mib_keys_snapshot(&n);
    const scep_keyinfo *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const scep_keyinfo *k = &keys[i];
        if (!k->has_cert || k->usage != g_agent.st.autoreq.p.usage ||
            is_default_key(k->name))
            continue;
        if (!best || k->not_after > best->not_after)
            best = k;
    }
    return best ? scep_days_left(best, now) : SCEP_SCHED_NO_CERT;
}

/* A6 on: the key the new one replaces is renewed with a RenewalReq signed by
 * its certificate when that is valid now (B1): the newest non-default key of
 * the usage, as the key store picks it. "" when none. */
static void renew_target(char *out, size_t n)
{
    size_t count = 0;
    const scep_keyinfo *keys = mib_keys_snapshot(&count);
    const scep_keyinfo *best = NULL;
    time_t now = scep_now();
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        const scep_keyinfo *k = &keys[i];
        if (k->usage != g_agent.st.autoreq.p.usage || is_default_key(k->name))
            continue;
        if (!best || k->created >= best->created)
            best = k;
    }
    if (best && best->has_cert && best->not_before <= now && now < best->not_after)
        snprintf(out, n, "%s", best->name);
}

/* Candidate i of the store names of A6 off: the name, then <name>-2 ... ("" when
 * it would be too long). */
static const char *store_candidate(const char *name, unsigned i, char *buf, size_t n)
{
    if (i == 0)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "%s-%u", name, i + 1);
    return strlen(buf) <= SCEP_NAME_MAX ? buf : "";
}

/* A6 off: a pending transaction of one of the names is resumed (B2), else the
 * first free one. */
static void pick_store_name(const char *name, char *out, size_t n)
{
    char buf[SCEP_NAME_MAX + 16];
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < 1000; i++) {
            const char *cand = store_candidate(name, i, buf, sizeof buf);
            if (!cand[0])
                break;
            if (pass == 0 ? scep_pending_exists(g_agent.ks, cand)
                          : !scep_keystore_exists(g_agent.ks, cand)) {
                snprintf(out, n, "%s", cand);
                return;
            }
        }
    snprintf(out, n, "%s", name); /* nothing free: the store answers "exists" */
}

static scep_rc submit(scep_sched_what what, scep_error *e)
{
    const agent_auto *a = &g_agent.st.autoreq;
    scep_run_req *req = calloc(1, sizeof *req);
    if (!req)
        return scep_error_set(e, SCEP_E_NOMEM, "automatic request: out of memory");
    req->source = SCEP_SRC_AUTO;
    req->p = a->p; /* A7: its own parameters and challenge */
    agent_client_settings(&req->s);
    req->run_restart = a->restart; /* A5 */
    req->replace_usage = a->delete_previous;
    if (!a->delete_previous)
        pick_store_name(a->p.name, req->store_as, sizeof req->store_as);
    else
        renew_target(req->renew_name, sizeof req->renew_name);
    /* T2: a scheduled run takes its Waiting row, a retry or poll the row of
     * its run; a renewal (B4) gets a row of its own. */
    if (what == SCEP_SCHED_RETRY || what == SCEP_SCHED_POLL)
        req->hist_index = R.st.run_tag;
    else if (what == SCEP_SCHED_RUN)
        req->hist_index = R.st.wait_tag;
    uint32_t idx = 0;
    scep_rc rc = scep_runner_submit(g_agent.runner, req, &idx, e);
    scep_wipe(req, sizeof *req);
    free(req);
    if (idx && idx == R.st.wait_tag)
        R.st.wait_tag = 0;
    R.st.run_tag = idx;
    snmp_log(LOG_INFO, "automatic request: %s (row %u)\n",
             what == SCEP_SCHED_POLL    ? "poll of the pending transaction"
             : what == SCEP_SCHED_RETRY ? "retry"
             : what == SCEP_SCHED_RENEW ? "renewal before expiry"
                                        : "scheduled run",
             (unsigned)idx);
    return rc;
}

static void run_due(void)
{
    scep_sched_cfg c;
    cfg_of(&c);
    time_t now = scep_now();
    for (int guard = 0; guard < 4; guard++) {
        if (R.st.running)
            break;
        scep_sched_what w = scep_sched_due(&c, &R.st, now, usage_days_left(now));
        if (w == SCEP_SCHED_NONE)
            break;
        save(); /* the try is marked running before it goes out */
        scep_error e;
        scep_error_clear(&e);
        scep_rc rc = submit(w, &e);
        if (rc == SCEP_OK)
            break;
        snmp_log(LOG_ERR, "automatic request not started: %s\n", e.text);
        scep_sched_done(&c, &R.st, now, rc);
    }
    save();
    rearm(&c, now);
}

static void alarm_fired(unsigned reg, void *arg)
{
    (void)reg;
    (void)arg;
    R.alarm = 0; /* one-shot */
    run_due();
}

int agent_autorun_event(const scep_run_event *ev)
{
    if (ev->source != SCEP_SRC_AUTO)
        return 1;
    if (ev->type == SCEP_EV_QUEUED || ev->type == SCEP_EV_COMMAND_FAILED)
        return 1;
    if (ev->shutdown) /* the try stays "running" in the saved state: resumed at start */
        return 1;
    if (!R.st.running) {
        snmp_log(LOG_WARNING, "automatic request row %u ended, but no try was in flight\n",
                 (unsigned)ev->hist_index);
        return 1;
    }
    scep_sched_cfg c;
    cfg_of(&c);
    scep_rc rc = ev->type == SCEP_EV_OBTAINED ? SCEP_OK
                 : ev->err                    ? ev->err->code
                                              : SCEP_E_INTERNAL;
    scep_sched_what next = scep_sched_done(&c, &R.st, scep_now(), rc);
    save();
    if (next == SCEP_SCHED_RETRY || next == SCEP_SCHED_POLL) {
        snmp_log(LOG_INFO, "automatic request row %u: %s in %u s (%u of %u retries made)\n",
                 (unsigned)ev->hist_index, next == SCEP_SCHED_POLL ? "poll" : "retry",
                 (unsigned)c.poll_interval, (unsigned)R.st.tries, (unsigned)c.poll_count);
        R.reopen = 1;
        return 0;
    }
    R.st.run_tag = 0;
    return 1;
}

void agent_autorun_settle(void)
{
    if (R.reopen) {
        R.reopen = 0;
        scep_hist_entry *row =
            R.st.run_tag ? scep_history_find(g_agent.hist, R.st.run_tag) : NULL;
        if (row) { /* T2: In progress while it is polled; the detail says why */
            row->state = SCEP_HIST_INPROGRESS;
            row->completed = 0;
            save_history();
        }
    }
    scep_sched_cfg c;
    cfg_of(&c);
    rearm(&c, scep_now());
}

void agent_autorun_changed(void)
{
    if (!R.started)
        return;
    scep_sched_cfg c;
    cfg_of(&c);
    time_t now = scep_now();
    scep_sched_update(&c, &R.st, now);
    save();
    run_due();
}

void agent_autorun_init(void)
{
    memset(&R, 0, sizeof R);
    load();
    scep_sched_cfg c;
    cfg_of(&c);
    time_t now = scep_now();
    int in_flight = R.st.running && R.st.kind != SCEP_SCHED_KIND_NONE;
    scep_sched_restart(&c, &R.st, now);
    /* A run that was going on: its row, cancelled by the history load,
     * stays the run's row (T2: one row per transaction, B2). */
    scep_hist_entry *row =
        R.st.run_tag ? scep_history_find(g_agent.hist, R.st.run_tag) : NULL;
    if (row && R.st.kind != SCEP_SCHED_KIND_NONE && row->state == SCEP_HIST_ERROR &&
        row->source == SCEP_SRC_AUTO) {
        row->state = SCEP_HIST_INPROGRESS;
        row->completed = 0;
        save_history();
        /* Issue 9 item 7: the try in flight stored its certificate before
         * the agent stopped: finish it (install copy, commands, OBTAINED
         * and the schedule's success) instead of enrolling again. */
        if (in_flight &&
            scep_runner_recover_auto(g_agent.runner, row->index, g_agent.st.autoreq.p.usage,
                                     g_agent.st.autoreq.restart)) {
            R.st.running = 1;
            R.st.retry_at = 0;
            snmp_log(LOG_NOTICE,
                     "automatic request row %u: certificate stored before the restart; "
                     "finishing the run\n",
                     (unsigned)row->index);
        }
    } else if (R.st.kind == SCEP_SCHED_KIND_NONE) {
        R.st.run_tag = 0;
    }
    R.started = 1;
    save();
    run_due();
}

void agent_autorun_shutdown(void)
{
    if (R.alarm)
        snmp_alarm_unregister(R.alarm);
    R.alarm = 0;
    if (R.started)
        save();
    R.started = 0;
}
