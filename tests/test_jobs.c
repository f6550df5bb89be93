/* test_jobs.c - the job queue: FIFO, one at a time, completion fd, dispatch on
 * the caller's thread, cancellation at shutdown (DESIGN.md section 2, M8). */
#include "config.h"

#include "scep-int.h"
#include "testutil.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXJ 1100

typedef struct rec {
    pthread_mutex_t lock;
    int ran[MAXJ]; /* ids in run order */
    int nran;
    int done[MAXJ]; /* ids in done order */
    int ndone;
    int cancelled[MAXJ]; /* by id: -1 not called, else the flag */
    int running_now, max_running;
    int done_off_main;
    int saw_cancel;
    int gate; /* blocker jobs wait for this */
} rec;

static rec R;
static pthread_t main_thread;

typedef struct arg {
    int id;
    int mode; /* 0 quick, 1 wait for the gate, 2 wait for cancel */
} arg;

static void rec_reset(void)
{
    memset(&R, 0, sizeof R);
    pthread_mutex_init(&R.lock, NULL);
    for (int i = 0; i < MAXJ; i++)
        R.cancelled[i] = -1;
    main_thread = pthread_self();
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static int nran(void)
{
    int n;

    pthread_mutex_lock(&R.lock);
    n = R.nran;
    pthread_mutex_unlock(&R.lock);
    return n;
}

static int gate_open(void)
{
    int g;

    pthread_mutex_lock(&R.lock);
    g = R.gate;
    pthread_mutex_unlock(&R.lock);
    return g;
}

static void open_gate(void)
{
    pthread_mutex_lock(&R.lock);
    R.gate = 1;
    pthread_mutex_unlock(&R.lock);
}

static void run_job(void *p, volatile int *cancel)
{
    arg *a = p;

    pthread_mutex_lock(&R.lock);
    R.ran[R.nran++] = a->id;
    if (++R.running_now > R.max_running)
        R.max_running = R.running_now;
    pthread_mutex_unlock(&R.lock);

    if (a->mode == 0)
        sleep_ms(1);
    else if (a->mode == 1)
        while (!gate_open() && !*cancel)
            sleep_ms(1);
    else if (a->mode == 2) {
        for (int i = 0; i < 10000 && !*cancel; i++)
            sleep_ms(1);
        pthread_mutex_lock(&R.lock);
        R.saw_cancel = *cancel != 0;
        pthread_mutex_unlock(&R.lock);
    }

    pthread_mutex_lock(&R.lock);
    R.running_now--;
    pthread_mutex_unlock(&R.lock);
}

static void done_job(void *p, int cancelled)
{
    arg *a = p;

    if (!pthread_equal(pthread_self(), main_thread))
        R.done_off_main = 1;
    R.done[R.ndone++] = a->id;
    R.cancelled[a->id] = cancelled;
    free(a);
}

static arg *mk(int id, int mode)
{
    arg *a = malloc(sizeof *a);

    a->id = id;
    a->mode = mode;
    return a;
}

static int wait_readable(int fd, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

/* Dispatch until `want` done callbacks ran, or ~10 s. */
static void dispatch_until(scep_jobq *q, int want)
{
    for (int i = 0; i < 1000 && R.ndone < want; i++) {
        wait_readable(scep_jobq_fd(q), 10);
        scep_jobq_dispatch(q);
    }
}

static void wait_idle(scep_jobq *q)
{
    for (int i = 0; i < 10000 && scep_jobq_pending(q) > 0; i++)
        sleep_ms(1);
}

static void test_fifo_and_dispatch(void)
{
    scep_jobq *q = NULL;
    scep_error e;

    rec_reset();
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&q, &e), SCEP_OK);
    CU_ASSERT(scep_jobq_fd(q) >= 0);
    CU_ASSERT_EQUAL(scep_jobq_pending(q), 0);
    CU_ASSERT_FALSE(wait_readable(scep_jobq_fd(q), 0));

    for (int i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(i, 0)), SCEP_OK);
    wait_idle(q);
    CU_ASSERT_EQUAL(scep_jobq_pending(q), 0);
    CU_ASSERT_EQUAL(R.nran, 10);
    for (int i = 0; i < R.nran; i++)
        CU_ASSERT_EQUAL(R.ran[i], i);
    CU_ASSERT_EQUAL(R.max_running, 1); /* one at a time */

    /* finished, but no done callback until dispatch; the fd says so */
    sleep_ms(5);
    CU_ASSERT_EQUAL(R.ndone, 0);
    CU_ASSERT_TRUE(wait_readable(scep_jobq_fd(q), 1000));
    scep_jobq_dispatch(q);
    CU_ASSERT_EQUAL(R.ndone, 10);
    for (int i = 0; i < R.ndone; i++) {
        CU_ASSERT_EQUAL(R.done[i], i);
        CU_ASSERT_EQUAL(R.cancelled[i], 0);
    }
    CU_ASSERT_FALSE(R.done_off_main);
    /* drained: not readable any more, a second dispatch does nothing */
    CU_ASSERT_FALSE(wait_readable(scep_jobq_fd(q), 0));
    scep_jobq_dispatch(q);
    CU_ASSERT_EQUAL(R.ndone, 10);

    CU_ASSERT_EQUAL(scep_jobq_submit(q, NULL, done_job, NULL), SCEP_E_INVALID);
    scep_jobq_free(q);
    CU_ASSERT_EQUAL(R.ndone, 10);
}

static void test_pending_count(void)
{
    scep_jobq *q = NULL;

    rec_reset();
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&q, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(0, 1)), SCEP_OK);
    CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(1, 0)), SCEP_OK);
    CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(2, 0)), SCEP_OK);
    /* the blocker is running (or about to), the others wait behind it */
    CU_ASSERT_EQUAL(scep_jobq_pending(q), 3);
    for (int i = 0; i < 5000 && nran() == 0; i++)
        sleep_ms(1);
    CU_ASSERT_EQUAL(nran(), 1);
    CU_ASSERT_EQUAL(scep_jobq_pending(q), 3);
    CU_ASSERT_FALSE(wait_readable(scep_jobq_fd(q), 20));
    open_gate();
    dispatch_until(q, 3);
    CU_ASSERT_EQUAL(R.ndone, 3);
    CU_ASSERT_EQUAL(scep_jobq_pending(q), 0);
    CU_ASSERT_FALSE(R.done_off_main);
    scep_jobq_free(q);
}

static void test_free_cancels(void)
{
    scep_jobq *q = NULL;

    rec_reset();
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&q, NULL), SCEP_OK);
    /* a finished job not yet dispatched, a long job, three that never run */
    CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(0, 0)), SCEP_OK);
    CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(1, 2)), SCEP_OK);
    for (int i = 2; i < 5; i++)
        CU_ASSERT_EQUAL(scep_jobq_submit(q, run_job, done_job, mk(i, 0)), SCEP_OK);
    for (int i = 0; i < 5000 && nran() < 2; i++)
        sleep_ms(1);
    CU_ASSERT_EQUAL_FATAL(nran(), 2);
    CU_ASSERT_EQUAL(R.ndone, 0);

    time_t t0 = time(NULL);
    scep_jobq_free(q); /* must not wait the 10 s the long job would take */
    CU_ASSERT(time(NULL) - t0 < 5);
    CU_ASSERT_TRUE(R.saw_cancel);
    CU_ASSERT_EQUAL(R.nran, 2);  /* 2..4 never ran */
    CU_ASSERT_EQUAL(R.ndone, 5); /* every arg freed exactly once */
    CU_ASSERT_EQUAL(R.cancelled[0], 0);
    CU_ASSERT_EQUAL(R.cancelled[1], 1);
    for (int i = 2; i < 5; i++)
        CU_ASSERT_EQUAL(R.cancelled[i], 1);
    CU_ASSERT_EQUAL(R.done[0], 0);
    CU_ASSERT_EQUAL(R.done[1], 1);
    CU_ASSERT_EQUAL(R.done[2], 2);
    CU_ASSERT_FALSE(R.done_off_main);
}

static void test_free_idle(void)
{
    scep_jobq *q = NULL;

    rec_reset();
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&q, NULL), SCEP_OK);
    scep_jobq_free(q); /* empty queue, idle worker */
    scep_jobq_free(NULL);
    CU_ASSERT_EQUAL(R.ndone, 0);
}

static void quick_run(void *p, volatile int *cancel)
{
    arg *a = p;

    (void)cancel;
    pthread_mutex_lock(&R.lock);
    R.ran[R.nran++] = a->id;
    pthread_mutex_unlock(&R.lock);
}

static void test_many(void)
{
    scep_jobq *q = NULL;
    int in_order = 1;

    rec_reset();
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&q, NULL), SCEP_OK);
    for (int i = 0; i < 1000; i++) {
        CU_ASSERT_EQUAL_FATAL(scep_jobq_submit(q, quick_run, done_job, mk(i, 0)), SCEP_OK);
        if (i % 97 == 0)
            scep_jobq_dispatch(q); /* interleave dispatch with submission */
    }
    dispatch_until(q, 1000);
    CU_ASSERT_EQUAL(R.nran, 1000);
    CU_ASSERT_EQUAL(R.ndone, 1000);
    for (int i = 0; i < R.ndone; i++)
        if (R.done[i] != i || R.ran[i] != i || R.cancelled[i] != 0)
            in_order = 0;
    CU_ASSERT_TRUE(in_order);
    CU_ASSERT_EQUAL(scep_jobq_pending(q), 0);
    CU_ASSERT_FALSE(R.done_off_main);
    scep_jobq_free(q); /* valgrind/ASan: no job or arg left behind */
}

/* A done callback that submits the next job (a poll re-queues itself). */
static scep_jobq *chain_q;
static void chain_done(void *p, int cancelled)
{
    arg *a = p;

    done_job(mk(a->id, 0), cancelled);
    if (!cancelled && a->id < 5)
        CU_ASSERT_EQUAL(scep_jobq_submit(chain_q, quick_run, chain_done, mk(a->id + 1, 0)),
                        SCEP_OK);
    free(a);
}

static void test_resubmit_from_done(void)
{
    rec_reset();
    CU_ASSERT_EQUAL_FATAL(scep_jobq_new(&chain_q, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_jobq_submit(chain_q, quick_run, chain_done, mk(0, 0)), SCEP_OK);
    dispatch_until(chain_q, 6);
    CU_ASSERT_EQUAL(R.ndone, 6);
    CU_ASSERT_EQUAL(R.done[5], 5);
    scep_jobq_free(chain_q);
    CU_ASSERT_EQUAL(R.ndone, 6);
}

int main(void)
{
    return tu_run("jobs", (tu_case[]){{"fifo and dispatch", test_fifo_and_dispatch},
                                      {"pending count", test_pending_count},
                                      {"free cancels", test_free_cancels},
                                      {"free idle", test_free_idle},
                                      {"1000 jobs", test_many},
                                      {"resubmit from done", test_resubmit_from_done},
                                      {NULL, NULL}});
}
