/*
 * test_runner.c - the request runner (scep/runner.c) with a real job queue
 * and the HTTP transport injected: an in-process SCEP server (scepsrv)
 * answers SUCCESS, PENDING (then SUCCESS to the CertPoll) or FAILURE. Checks
 * the history rows, the events, the install copy and the commands.
 */
#include "config.h"

#include "scep-runner.h"
#include "scepsrv.h"
#include "testutil.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct server {
    scepsrv_ca ca;
    int status;        /* SCEPSRV_SUCCESS / PENDING / FAILURE */
    int types[8];      /* messageType of each PKIOperation */
    char tids[8][129]; /* their transactionIDs */
    int n;             /* PKIOperations */
    X509_REQ *csr;     /* of the last PKCSReq: a CertPoll is answered from it */
} server;

static scep_rc reply(server *srv, const scep_http_req *req, scep_http_resp *resp,
                     scep_error *e)
{
    char err[256];
    scepsrv_req in;
    memset(&in, 0, sizeof in);
    if (!req->body ||
        scepsrv_decode(&srv->ca, req->body, req->body_len, &in, err, sizeof err) != 0)
        return scep_error_set(e, SCEP_E_INTERNAL, "scepsrv_decode failed");
    if (srv->n < 8) {
        srv->types[srv->n] = in.type;
        snprintf(srv->tids[srv->n], sizeof srv->tids[0], "%s", in.tid);
    }
    srv->n++;
    if (in.csr) {
        X509_REQ_free(srv->csr);
        srv->csr = X509_REQ_dup(in.csr);
    }
    X509 *issued = NULL;
    if (srv->status == SCEPSRV_SUCCESS && srv->csr)
        issued = scepsrv_issue_csr(&srv->ca, srv->csr);
    scepsrv_reply rep = {.status = srv->status, .fail_info = 2, .issued = issued};
    unsigned char *out = NULL;
    size_t outlen = 0;
    int rc = scepsrv_certrep(&srv->ca, &in, &rep, &out, &outlen, err, sizeof err);
    X509_free(issued);
    scepsrv_req_clear(&in);
    if (rc != 0)
        return scep_error_set(e, SCEP_E_INTERNAL, "scepsrv_certrep: %s", err);
    resp->body = malloc(outlen);
    memcpy(resp->body, out, outlen);
    resp->body_len = outlen;
    OPENSSL_free(out);
    snprintf(resp->content_type, sizeof resp->content_type, "application/x-pki-message");
    return SCEP_OK;
}

/* Runs on the worker thread; the main thread reads srv only after the job's
 * completion was dispatched (the job queue's lock orders the two). */
static scep_rc transport(void *ctx, const scep_settings *s, const scep_http_req *req,
                         scep_http_resp *resp, scep_error *e)
{
    (void)s;
    server *srv = ctx;
    resp->status = 200;
    int got = scepsrv_get_answer(&srv->ca, "POSTPKIOperation\nSHA-256\nAES", req->operation,
                                 &resp->body, &resp->body_len, resp->content_type,
                                 sizeof resp->content_type);
    if (got)
        return got > 0 ? SCEP_OK
                       : scep_error_set(e, SCEP_E_INTERNAL, "GetCACaps/GetCACert");
    return reply(srv, req, resp, e);
}

typedef struct ev_log {
    int n;
    struct {
        scep_run_event_type type;
        uint32_t hist_index;
        int ran, polled, shutdown;
        scep_rc code;
        uint32_t key_index;
    } ev[16];
} ev_log;

static void on_event(void *ctx, const scep_run_event *ev)
{
    ev_log *l = ctx;
    if (l->n >= 16)
        return;
    l->ev[l->n].type = ev->type;
    l->ev[l->n].hist_index = ev->hist_index;
    l->ev[l->n].ran = ev->ran;
    l->ev[l->n].polled = ev->polled;
    l->ev[l->n].shutdown = ev->shutdown;
    l->ev[l->n].code = ev->err ? ev->err->code : SCEP_OK;
    l->ev[l->n].key_index = ev->res ? ev->res->key.index : 0;
    l->n++;
}

static int count_events(const ev_log *l, scep_run_event_type t)
{
    int c = 0;
    for (int i = 0; i < l->n; i++)
        c += l->ev[i].type == t;
    return c;
}

typedef struct fx {
    server srv;
    char *dir;
    char ks_dir[512], inst_dir[512], hist_path[512];
    scep_keystore *ks;
    scep_history *hist;
    scep_jobq *jobs;
    scep_runner *r;
    ev_log log;
    scep_run_req req;
    scep_error e;
} fx;

static void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    char err[256];
    CU_ASSERT_EQUAL_FATAL(
        scepsrv_ca_init(&f->srv.ca, "runner CA", 2048, 0, err, sizeof err), 0);
    f->srv.status = SCEPSRV_SUCCESS;
    f->dir = tu_mkdtemp("runner");
    snprintf(f->ks_dir, sizeof f->ks_dir, "%s/keys", f->dir);
    snprintf(f->inst_dir, sizeof f->inst_dir, "%s/tls", f->dir);
    snprintf(f->hist_path, sizeof f->hist_path, "%s/history.state", f->dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(f->inst_dir, 0700), 0);
    CU_ASSERT_EQUAL_FATAL(scep_keystore_open(f->ks_dir, 10, &f->ks, &f->e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(scep_history_open(f->hist_path, 20, &f->hist, &f->e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&f->jobs, &f->e), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(
        scep_runner_new(f->ks, f->hist, f->jobs, on_event, &f->log, &f->r, &f->e), SCEP_OK);

    scep_runner_conf c;
    memset(&c, 0, sizeof c);
    for (int u = 0; u < 5; u++) {
        c.hooks[u].owner = (uid_t)-1;
        c.hooks[u].group = (gid_t)-1;
    }
    snprintf(c.hooks[SCEP_USAGE_TLS].install_dir, sizeof c.hooks[0].install_dir, "%s",
             f->inst_dir);
    c.hooks[SCEP_USAGE_TLS].mode = 0640;
    snprintf(c.hooks[SCEP_USAGE_TLS].reload_cmd, sizeof c.hooks[0].reload_cmd,
             "/usr/bin/touch %s/reloaded", f->dir);
    snprintf(c.restart_cmd, sizeof c.restart_cmd, "/usr/bin/touch %s/restarted", f->dir);
    c.cmd_timeout = 30;
    scep_runner_set_conf(f->r, &c);

    f->req.source = SCEP_SRC_MANUAL;
    scep_params_init(&f->req.p);
    snprintf(f->req.p.name, sizeof f->req.p.name, "web");
    snprintf(f->req.p.cn, sizeof f->req.p.cn, "host.example");
    snprintf(f->req.p.challenge, sizeof f->req.p.challenge, "secret");
    f->req.p.bits = 1024; /* fast: key sizes are covered elsewhere */
    f->req.p.usage = SCEP_USAGE_TLS;
    scep_settings_init(&f->req.s);
    snprintf(f->req.s.url, sizeof f->req.s.url, "http://scep.invalid/scep");
    f->req.run_restart = 1;
    f->req.transport = transport;
    f->req.transport_ctx = &f->srv;
}

static void fx_close(fx *f)
{
    if (f->jobs)
        scep_jobq_free(f->jobs);
    scep_runner_free(f->r);
    scep_history_close(f->hist);
    scep_keystore_close(f->ks);
    X509_REQ_free(f->srv.csr);
    scepsrv_ca_free(&f->srv.ca);
    tu_rmtree(f->dir);
    free(f->dir);
}

/* Dispatch completions until nothing is outstanding (generous deadline). */
static void wait_done(fx *f)
{
    for (int i = 0; i < 600 && scep_runner_outstanding(f->r) > 0; i++) {
        struct pollfd p = {.fd = scep_jobq_fd(f->jobs), .events = POLLIN};
        poll(&p, 1, 100);
        scep_jobq_dispatch(f->jobs);
    }
    CU_ASSERT_EQUAL(scep_runner_outstanding(f->r), 0);
}

static uint32_t submit(fx *f)
{
    uint32_t idx = 0;
    CU_ASSERT_EQUAL(scep_runner_submit(f->r, &f->req, &idx, &f->e), SCEP_OK);
    CU_ASSERT(idx > 0);
    return idx;
}

static void test_success_hooks(void)
{
    fx f;
    fx_open(&f);
    uint32_t idx = submit(&f);
    scep_hist_entry *row = scep_history_find(f.hist, idx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_INPROGRESS);
    CU_ASSERT_EQUAL(row->source, SCEP_SRC_MANUAL);
    CU_ASSERT_TRUE(scep_runner_busy(f.r, "web"));
    wait_done(&f);
    CU_ASSERT_FALSE(scep_runner_busy(f.r, "web"));

    row = scep_history_find(f.hist, idx);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_COMPLETED);
    CU_ASSERT_EQUAL(row->code, SCEP_OK);
    CU_ASSERT(row->completed > 0);
    CU_ASSERT_STRING_EQUAL(row->transaction_id, f.srv.tids[0]);
    CU_ASSERT_EQUAL(f.srv.n, 1);
    CU_ASSERT_EQUAL(f.srv.types[0], SCEPSRV_PKCSREQ);

    CU_ASSERT_EQUAL(f.log.n, 2);
    CU_ASSERT_EQUAL(f.log.ev[0].type, SCEP_EV_QUEUED);
    CU_ASSERT_EQUAL(f.log.ev[1].type, SCEP_EV_OBTAINED);
    CU_ASSERT_EQUAL(f.log.ev[1].hist_index, idx);
    CU_ASSERT_TRUE(f.log.ev[1].ran);
    CU_ASSERT_FALSE(f.log.ev[1].shutdown);
    CU_ASSERT(f.log.ev[1].key_index > 0);

    /* install copy with the configured modes; commands ran */
    CU_ASSERT_EQUAL(tu_file_mode(f.inst_dir, "web.key"), 0640);
    CU_ASSERT_EQUAL(tu_file_mode(f.inst_dir, "web.crt"), 0644);
    CU_ASSERT_TRUE(tu_file_exists(f.dir, "reloaded"));
    CU_ASSERT_TRUE(tu_file_exists(f.dir, "restarted"));
    CU_ASSERT_TRUE(scep_keystore_exists(f.ks, "web"));

    /* the history was saved: a fresh open sees the finished row */
    scep_history *h2 = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_history_open(f.hist_path, 20, &h2, &f.e), SCEP_OK);
    scep_hist_entry *r2 = scep_history_find(h2, idx);
    CU_ASSERT_PTR_NOT_NULL(r2);
    if (r2)
        CU_ASSERT_EQUAL(r2->state, SCEP_HIST_COMPLETED);
    scep_history_close(h2);
    fx_close(&f);
}

static void test_no_restart_unless_asked(void)
{
    fx f;
    fx_open(&f);
    f.req.run_restart = 0;
    submit(&f);
    wait_done(&f);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_OBTAINED), 1);
    CU_ASSERT_TRUE(tu_file_exists(f.dir, "reloaded"));
    CU_ASSERT_FALSE(tu_file_exists(f.dir, "restarted"));
    fx_close(&f);
}

static void test_pending_then_poll(void)
{
    fx f;
    fx_open(&f);
    f.srv.status = SCEPSRV_PENDING;
    uint32_t i1 = submit(&f);
    wait_done(&f);
    scep_hist_entry *row = scep_history_find(f.hist, i1);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_ERROR);
    CU_ASSERT_EQUAL(row->code, SCEP_E_PENDING);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_PENDING), 1);
    CU_ASSERT_TRUE(scep_pending_exists(f.ks, "web"));

    /* still PENDING on the first poll: no second PENDING event */
    uint32_t i2 = submit(&f);
    wait_done(&f);
    CU_ASSERT(i2 != i1);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_PENDING), 1);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_POLL_PENDING), 1);

    f.srv.status = SCEPSRV_SUCCESS;
    uint32_t i3 = submit(&f);
    wait_done(&f);
    CU_ASSERT_EQUAL(f.srv.n, 3);
    CU_ASSERT_EQUAL(f.srv.types[0], SCEPSRV_PKCSREQ);
    CU_ASSERT_EQUAL(f.srv.types[1], SCEPSRV_CERTPOLL);
    CU_ASSERT_EQUAL(f.srv.types[2], SCEPSRV_CERTPOLL);
    CU_ASSERT_STRING_EQUAL(f.srv.tids[1], f.srv.tids[0]); /* one transactionID */
    CU_ASSERT_STRING_EQUAL(f.srv.tids[2], f.srv.tids[0]);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_OBTAINED), 1);
    CU_ASSERT_EQUAL(f.log.ev[f.log.n - 1].type, SCEP_EV_OBTAINED);
    CU_ASSERT_TRUE(f.log.ev[f.log.n - 1].polled);
    row = scep_history_find(f.hist, i3);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_COMPLETED);
    CU_ASSERT_FALSE(scep_pending_exists(f.ks, "web"));
    fx_close(&f);
}

static void test_failure(void)
{
    fx f;
    fx_open(&f);
    f.srv.status = SCEPSRV_FAILURE;
    uint32_t idx = submit(&f);
    wait_done(&f);
    scep_hist_entry *row = scep_history_find(f.hist, idx);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_ERROR);
    CU_ASSERT_EQUAL(row->code, SCEP_E_FAILINFO_BADREQ);
    CU_ASSERT_EQUAL(row->fail_info, 2);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_FAILED), 1);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_OBTAINED), 0);
    CU_ASSERT_FALSE(scep_keystore_exists(f.ks, "web"));
    CU_ASSERT_FALSE(tu_file_exists(f.dir, "reloaded"));
    fx_close(&f);
}

static void test_install_failure(void)
{
    fx f;
    fx_open(&f);
    scep_runner_conf c = *scep_runner_get_conf(f.r);
    snprintf(c.hooks[SCEP_USAGE_TLS].install_dir, sizeof c.hooks[0].install_dir,
             "%s/missing/dir", f.dir);
    scep_runner_set_conf(f.r, &c);
    uint32_t idx = submit(&f);
    wait_done(&f);
    scep_hist_entry *row = scep_history_find(f.hist, idx);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_COMPLETED); /* the certificate stays */
    CU_ASSERT_EQUAL(row->code, SCEP_E_COMMAND);
    CU_ASSERT(strstr(row->text, "install") != NULL);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_OBTAINED), 1);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_COMMAND_FAILED), 1);
    CU_ASSERT_EQUAL(f.log.ev[f.log.n - 1].type, SCEP_EV_COMMAND_FAILED);
    CU_ASSERT_FALSE(tu_file_exists(f.dir, "reloaded")); /* stale files: no command */
    CU_ASSERT_FALSE(tu_file_exists(f.dir, "restarted"));
    CU_ASSERT_TRUE(scep_keystore_exists(f.ks, "web"));
    fx_close(&f);
}

static void test_busy_and_waiting_row(void)
{
    fx f;
    fx_open(&f);
    uint32_t w = scep_runner_add_waiting(f.r, "web", SCEP_SRC_AUTO, 1234567890);
    scep_hist_entry *row = scep_history_find(f.hist, w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_WAITING);
    CU_ASSERT_EQUAL(row->requested, 1234567890);
    unsigned rows = scep_history_count(f.hist);

    f.req.source = SCEP_SRC_AUTO;
    f.req.hist_index = w;
    uint32_t idx = 0;
    CU_ASSERT_EQUAL(scep_runner_submit(f.r, &f.req, &idx, &f.e), SCEP_OK);
    CU_ASSERT_EQUAL(idx, w); /* the Waiting row goes In progress */
    CU_ASSERT_EQUAL(scep_history_count(f.hist), rows);
    CU_ASSERT_EQUAL(scep_history_find(f.hist, w)->state, SCEP_HIST_INPROGRESS);

    /* a second request for the same name while the first is queued */
    f.req.hist_index = 0;
    CU_ASSERT_EQUAL(scep_runner_submit(f.r, &f.req, &idx, &f.e), SCEP_E_BUSY);
    CU_ASSERT_EQUAL(idx, 0);
    CU_ASSERT_EQUAL(scep_history_count(f.hist), rows);
    wait_done(&f);
    row = scep_history_find(f.hist, w);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_COMPLETED);
    CU_ASSERT_EQUAL(row->source, SCEP_SRC_AUTO);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_OBTAINED), 1);
    fx_close(&f);
}

/* Holds the worker until the queue is cancelled. */
static void block_run(void *arg, volatile int *cancel)
{
    int *started = arg;
    *started = 1;
    while (!*cancel)
        usleep(1000);
}

static void block_done(void *arg, int cancelled)
{
    (void)arg;
    (void)cancelled;
}

static void test_cancelled_at_shutdown(void)
{
    fx f;
    fx_open(&f);
    static volatile int started;
    started = 0;
    CU_ASSERT_EQUAL_FATAL(scep_jobq_submit(f.jobs, block_run, block_done, (void *)&started),
                          SCEP_OK);
    uint32_t idx = submit(&f);
    scep_jobq_free(f.jobs); /* cancels; the request never ran */
    f.jobs = NULL;
    scep_hist_entry *row = scep_history_find(f.hist, idx);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_ERROR);
    CU_ASSERT_EQUAL(row->code, SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_CANCELLED), 1);
    CU_ASSERT_EQUAL(count_events(&f.log, SCEP_EV_OBTAINED), 0);
    CU_ASSERT_TRUE(f.log.ev[f.log.n - 1].shutdown);
    CU_ASSERT_FALSE(f.log.ev[f.log.n - 1].ran);
    CU_ASSERT_EQUAL(f.srv.n, 0);
    CU_ASSERT_FALSE(scep_keystore_exists(f.ks, "web"));
    fx_close(&f);
}

static void test_restart_on_demand(void)
{
    fx f;
    fx_open(&f);
    CU_ASSERT_EQUAL(scep_runner_restart(f.r, "test", &f.e), SCEP_OK);
    for (int i = 0; i < 600 && scep_jobq_pending(f.jobs) > 0; i++) {
        struct pollfd p = {.fd = scep_jobq_fd(f.jobs), .events = POLLIN};
        poll(&p, 1, 100);
        scep_jobq_dispatch(f.jobs);
    }
    CU_ASSERT_TRUE(tu_file_exists(f.dir, "restarted"));
    CU_ASSERT_EQUAL(scep_history_count(f.hist), 0); /* a success leaves no row */
    CU_ASSERT_EQUAL(f.log.n, 0);
    scep_runner_conf c = *scep_runner_get_conf(f.r);
    /* issue 9: a failing restart is recorded: a row and the failed event */
    snprintf(c.restart_cmd, sizeof c.restart_cmd, "/bin/false");
    scep_runner_set_conf(f.r, &c);
    CU_ASSERT_EQUAL(scep_runner_restart(f.r, "test", &f.e), SCEP_OK);
    for (int i = 0; i < 600 && scep_jobq_pending(f.jobs) > 0; i++) {
        struct pollfd p = {.fd = scep_jobq_fd(f.jobs), .events = POLLIN};
        poll(&p, 1, 100);
        scep_jobq_dispatch(f.jobs);
    }
    CU_ASSERT_EQUAL_FATAL(scep_history_count(f.hist), 1);
    scep_hist_entry *row = scep_history_at(f.hist, 0);
    CU_ASSERT_EQUAL(row->state, SCEP_HIST_ERROR);
    CU_ASSERT_EQUAL(row->code, SCEP_E_COMMAND);
    CU_ASSERT_STRING_EQUAL(row->name, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(row->text, "restart command (test)"));
    CU_ASSERT_EQUAL(f.log.n, 1);
    CU_ASSERT_EQUAL(f.log.ev[0].type, SCEP_EV_COMMAND_FAILED);
    CU_ASSERT_EQUAL(f.log.ev[0].hist_index, row->index);
    c.restart_cmd[0] = 0;
    scep_runner_set_conf(f.r, &c);
    CU_ASSERT_EQUAL(scep_runner_restart(f.r, "test", &f.e), SCEP_E_INVALID);
    fx_close(&f);
}

int main(void)
{
    static const tu_case cases[] = {
        {"success: row, events, install copy, commands", test_success_hooks},
        {"restart command only when asked", test_no_restart_unless_asked},
        {"PENDING once, then CertPoll with one transactionID", test_pending_then_poll},
        {"FAILURE: row Error, failed event, nothing stored", test_failure},
        {"install failure: Completed + command failed, no command", test_install_failure},
        {"busy name; Waiting row goes In progress", test_busy_and_waiting_row},
        {"cancelled at shutdown: row Error, no obtained", test_cancelled_at_shutdown},
        {"restart command on demand", test_restart_on_demand},
        {NULL, NULL}};
    int rc = tu_run("runner", cases);
    scepsrv_cleanup();
    return rc;
}
