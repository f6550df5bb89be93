/*
 * jobs.c - the job queue (DESIGN.md section 2, M8, U3).
 *
 * One worker thread runs the jobs one at a time in submission order
 * (FIFO). A finished job moves to a "done" list and one byte is written to a
 * non-blocking pipe; the main loop watches the read end (scep_jobq_fd(),
 * register_readfd() in the agent) and calls scep_jobq_dispatch(), which runs
 * the done callbacks on the calling thread, in completion (= submission)
 * order. So results are applied, history written and traps raised on the
 * Net-SNMP thread only.
 *
 * scep_jobq_free() raises the cancel flag the running job polls, joins the
 * worker, then calls done(arg, 0) for jobs that had finished before the
 * shutdown, done(arg, 1) for the job that was running (it saw the flag) and
 * for every job that never ran, so each arg is freed exactly once.
 *
 * The worker blocks all signals: SIGHUP, SIGCHLD and friends go to the main
 * thread.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct job {
    struct job *next;
    scep_job_run_fn run;
    scep_job_done_fn done;
    void *arg;
    int cancelled; /* was running when the queue was shut down */
} job;

typedef struct job_list {
    job *head, *tail;
} job_list;

struct scep_jobq {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t worker;
    int rfd, wfd;
    int stop;
    volatile int cancel;
    job_list queued;
    job_list finished;
    job *running;
    unsigned nqueued;
};

static void list_push(job_list *l, job *j)
{
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
}

static job *list_pop(job_list *l)
{
    job *j = l->head;

    if (j) {
        l->head = j->next;
        if (!l->head)
            l->tail = NULL;
        j->next = NULL;
    }
    return j;
}

/* Take the whole list, leaving it empty. */
static job *list_take(job_list *l)
{
    job *j = l->head;

    l->head = l->tail = NULL;
    return j;
}

static void notify(scep_jobq *q)
{
    static const char one = 1;

    for (;;) {
        ssize_t n = write(q->wfd, &one, 1);

        /* EAGAIN: the pipe is full, hence readable already. */
        if (n >= 0 || errno != EINTR)
            return;
    }
}

static void *worker_main(void *p)
{
    scep_jobq *q = p;
    job *j;

    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->stop && !q->queued.head)
            pthread_cond_wait(&q->cond, &q->lock);
        if (q->stop)
            break;
        j = list_pop(&q->queued);
        q->nqueued--;
        q->running = j;
        pthread_mutex_unlock(&q->lock);

        j->run(j->arg, &q->cancel);

        pthread_mutex_lock(&q->lock);
        q->running = NULL;
        if (q->stop)
            j->cancelled = 1;
        list_push(&q->finished, j);
        notify(q);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

scep_rc scep_jobq_new(scep_jobq **out, scep_error *e)
{
    scep_jobq *q;
    int fds[2], err;
    sigset_t all, old;

    if (!out)
        return scep_error_set(e, SCEP_E_INVALID, "jobq: no output pointer");
    *out = NULL;
    q = calloc(1, sizeof *q);
    if (!q)
        return scep_error_set(e, SCEP_E_NOMEM, "jobq: out of memory");
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        err = errno;
        free(q);
        return scep_error_set(e, SCEP_E_IO, "jobq: pipe: %s", strerror(err));
    }
    q->rfd = fds[0];
    q->wfd = fds[1];
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&q->worker, NULL, worker_main, q);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        pthread_cond_destroy(&q->cond);
        pthread_mutex_destroy(&q->lock);
        close(q->rfd);
        close(q->wfd);
        free(q);
        return scep_error_set(e, SCEP_E_INTERNAL, "jobq: cannot start worker thread: %s",
                              strerror(err));
    }
    *out = q;
    return SCEP_OK;
}

int scep_jobq_fd(const scep_jobq *q)
{
    return q ? q->rfd : -1;
}

scep_rc scep_jobq_submit(scep_jobq *q, scep_job_run_fn run, scep_job_done_fn done,
                         void *arg)
{
    job *j;

    if (!q || !run)
        return SCEP_E_INVALID;
    j = calloc(1, sizeof *j);
    if (!j)
        return SCEP_E_NOMEM;
    j->run = run;
    j->done = done;
    j->arg = arg;
    pthread_mutex_lock(&q->lock);
    if (q->stop) {
        pthread_mutex_unlock(&q->lock);
        free(j);
        return SCEP_E_CANCELLED;
    }
    list_push(&q->queued, j);
    q->nqueued++;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return SCEP_OK;
}

static void drain(int fd)
{
    char buf[256];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);

        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        return; /* 0 (cannot happen while we hold wfd) or EAGAIN */
    }
}

/* Call done for a list of jobs and free them. */
static void finish_list(job *j, int force_cancelled)
{
    while (j) {
        job *next = j->next;

        if (j->done)
            j->done(j->arg, force_cancelled || j->cancelled);
        free(j);
        j = next;
    }
}

void scep_jobq_dispatch(scep_jobq *q)
{
    job *list;

    if (!q)
        return;
    /* Drain first: a job finishing after the take below writes a new byte. */
    drain(q->rfd);
    pthread_mutex_lock(&q->lock);
    list = list_take(&q->finished);
    pthread_mutex_unlock(&q->lock);
    finish_list(list, 0);
}

unsigned scep_jobq_pending(const scep_jobq *q)
{
    scep_jobq *mq = (scep_jobq *)q; /* the lock is not part of the value */
    unsigned n;

    if (!q)
        return 0;
    pthread_mutex_lock(&mq->lock);
    n = mq->nqueued + (mq->running ? 1u : 0u);
    pthread_mutex_unlock(&mq->lock);
    return n;
}

void scep_jobq_free(scep_jobq *q)
{
    job *finished, *never;

    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = 1;
    q->cancel = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->worker, NULL);

    /* The worker is gone: no lock needed any more. */
    finished = list_take(&q->finished);
    never = list_take(&q->queued);
    q->nqueued = 0;
    finish_list(finished, 0);
    finish_list(never, 1);

    close(q->rfd);
    close(q->wfd);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q);
}
