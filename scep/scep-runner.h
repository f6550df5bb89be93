/*
 * scep-runner.h - the request runner (SPEC.md M8-M12, A3-A6, T2): one flow
 * for every source of a request (manual now, automatic from the scheduler).
 *
 * A request is submitted on the main thread with private copies of what it
 * needs (parameters incl. the challenge, server settings, hooks); the runner
 * moves its history row to In progress (a new row, or the Waiting row the
 * scheduler created), saves the history and queues a job on the job queue.
 * The worker polls the key name's saved transaction when there is one (M12,
 * A3, B2: never a new PKCSReq), else enrolls or renews; on success it copies
 * key, certificate and chain into the usage's install directory (atomic,
 * configured mode and owner), then runs the usage's reload command and, when
 * the request asks for it, the restart command. The job's completion runs on
 * the thread that calls scep_jobq_dispatch(): it finishes the history row
 * (a failing install or command leaves it Completed with SCEP_E_COMMAND and
 * the cause), saves the history and reports events through the callback,
 * which the glue turns into notifications and table refreshes.
 *
 * No Net-SNMP here. Not thread-safe: call everything from one thread (the
 * one that dispatches the job queue).
 */
#ifndef SCEP_SCEP_RUNNER_H
#define SCEP_SCEP_RUNNER_H

#include "scep.h"

#include <limits.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCEP_CMD_MAX 1024

/* What happens with a certificate of one usage once it is stored (M9, X4):
 * from the local configuration only, never from SNMP. */
typedef struct scep_hook {
    char install_dir[PATH_MAX];    /* copy of key/cert/chain ("" = none) */
    uid_t owner;                   /* (uid_t)-1 = unchanged */
    gid_t group;                   /* (gid_t)-1 = unchanged */
    unsigned mode;                 /* of the installed key copy; 0 = 0600 */
    char reload_cmd[SCEP_CMD_MAX]; /* argv, split on blanks, no shell */
} scep_hook;

/* The runner's part of the local configuration (replaceable on SIGHUP:
 * requests already submitted keep the copy they took). */
typedef struct scep_runner_conf {
    scep_hook hooks[5]; /* indexed by scep_usage 1..4 */
    char restart_cmd[SCEP_CMD_MAX];
    unsigned cmd_timeout; /* seconds for reload/restart commands */
} scep_runner_conf;

typedef enum scep_run_event_type {
    SCEP_EV_QUEUED = 1,         /* submitted: the row is In progress */
    SCEP_EV_PENDING = 2,        /* the server answered PENDING to a new request
                                   (not to a poll: once per transaction) */
    SCEP_EV_POLL_PENDING = 3,   /* a poll of a pending transaction: still PENDING */
    SCEP_EV_FAILED = 4,         /* ended in Error (any other code) */
    SCEP_EV_STORE_FULL = 5,     /* ended in Error: key store full */
    SCEP_EV_OBTAINED = 6,       /* certificate stored (row Completed) */
    SCEP_EV_COMMAND_FAILED = 7, /* after OBTAINED: install/reload/restart failed */
    SCEP_EV_CANCELLED = 8       /* shutdown: never ran or cancelled (row Error) */
} scep_run_event_type;

typedef struct scep_run_event {
    scep_run_event_type type;
    scep_hist_source source;
    uint32_t hist_index; /* the row; 0 when it was overwritten meanwhile */
    const char *name;    /* the key name requested */
    int ran;             /* the worker ran it: res->ca_fpr is meaningful */
    int polled;          /* it was a CertPoll of a saved transaction */
    const scep_enroll_result *res;
    const scep_error *err; /* code SCEP_OK on success (text: a command failure) */
    int shutdown;          /* the job queue is being freed: no notifications */
} scep_run_event;

typedef void (*scep_run_event_fn)(void *ctx, const scep_run_event *ev);

/* One request. The runner copies it; the caller wipes its own copy. */
typedef struct scep_run_req {
    scep_hist_source source;
    scep_params p;                    /* secret: the challenge (wiped after use) */
    scep_settings s;                  /* server settings, pin, TOFU reference */
    int replace_usage;                /* A6: replace the key of the same usage on success */
    char store_as[SCEP_NAME_MAX + 1]; /* A6 off: store under this name ("" = p.name) */
    char renew_name[SCEP_NAME_MAX + 1]; /* B1: renew this stored key: a request
                                           signed by its certificate (RenewalReq, or
                                           PKCSReq where the server has no Renewal)
                                           that replaces it ("" = enroll) */
    int run_restart;                    /* run the restart command after success */
    uint32_t hist_index;                /* 0: add a new row; else the Waiting row to use */
    scep_transport_fn transport;        /* NULL: libcurl (tests inject one) */
    void *transport_ctx;
} scep_run_req;

typedef struct scep_runner scep_runner;

scep_rc scep_runner_new(scep_keystore *ks, scep_history *hist, scep_jobq *jobs,
                        scep_run_event_fn fn, void *ctx, scep_runner **out, scep_error *e);
/* The job queue must have been freed (or drained) before: outstanding jobs
 * point at the runner. */
void scep_runner_free(scep_runner *r);
void scep_runner_set_conf(scep_runner *r, const scep_runner_conf *c);
const scep_runner_conf *scep_runner_get_conf(const scep_runner *r);
/* Submit a request: the history row goes In progress, the job is queued.
 * SCEP_E_BUSY when a request for that name is queued or running, SCEP_E_NOMEM
 * when it cannot be queued (the row, if it was added, then ends in Error).
 * *hist_index (may be NULL) receives the row. */
scep_rc scep_runner_submit(scep_runner *r, const scep_run_req *req, uint32_t *hist_index,
                           scep_error *e);
/* A request for that key name is queued or running (M8). */
int scep_runner_busy(const scep_runner *r, const char *name);
/* Requests queued or running. */
unsigned scep_runner_outstanding(const scep_runner *r);
/* A Waiting row for a scheduled request at `when` (T2, A4); saved. Returns
 * its index. */
uint32_t scep_runner_add_waiting(scep_runner *r, const char *name, scep_hist_source src,
                                 time_t when);
/* Run the restart command of the configuration off this thread (M9, on
 * demand). SCEP_E_INVALID when none is configured. The outcome is logged; a
 * failure is also a history row (no key name, Error, SCEP_E_COMMAND) and a
 * SCEP_EV_COMMAND_FAILED event for it. */
scep_rc scep_runner_restart(scep_runner *r, const char *why, scep_error *e);

/* At start: a manual request the agent was stopped in (kill -9) after its
 * key and certificate were stored (row cancelled by the history load, the
 * key created after the request) is finished: row Completed, install copy
 * and commands run, OBTAINED raised. Returns how many. */
unsigned scep_runner_recover(scep_runner *r);
/* At start: the automatic run of history row `hist_index` had a try in
 * flight when the agent stopped. When its certificate was stored before
 * (a key of `usage` under the row's name or "<name>-<n>", created after the
 * row was requested), the run finishes like recovered manual requests do
 * (OBTAINED raised for SCEP_SRC_AUTO) instead of being made again, which
 * would enroll twice. 1 when it took the row over. */
int scep_runner_recover_auto(scep_runner *r, uint32_t hist_index, scep_usage usage,
                             int run_restart);

/* "manual" / "automatic". */
const char *scep_source_name(scep_hist_source src);

#ifdef __cplusplus
}
#endif

#endif /* SCEP_SCEP_RUNNER_H */
