/*
 * test_sched.c - the scheduler of the automatic request (sched.c: A1-A4,
 * A8, B4, B5, F3). Time is passed in, randomness comes from a seeded fake
 * source; the real clock must never be read (a trap clock counts reads).
 */
#include "config.h"

#include "scep-sched.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0   1700000000 /* 2023-11-14T22:13:20Z */
#define DAY  86400
#define HOUR 3600

/* Chi-square critical value, 9 degrees of freedom, p = 0.001. */
#define CHI2_9_P001 27.88

/* ---- fake random source and trap clock --------------------------------- */

static uint64_t rng;
static unsigned long rand_calls;
static int rand_broken; /* only the low byte is random: r < 256 */
static unsigned long clock_reads;

static uint64_t splitmix(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int fake_rand(void *ctx, unsigned char *buf, size_t n)
{
    (void)ctx;
    rand_calls++;
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)splitmix();
    if (rand_broken && n == 4)
        buf[0] = buf[1] = buf[2] = 0;
    return 0;
}

static time_t trap_clock(void *ctx)
{
    (void)ctx;
    clock_reads++;
    return 0;
}

static void seed(uint64_t s)
{
    rng = s;
    rand_broken = 0;
}

static int init(void)
{
    seed(42);
    scep_set_rand(fake_rand, NULL);
    scep_set_clock(trap_clock, NULL);
    return 0;
}

static int cleanup(void)
{
    scep_set_rand(NULL, NULL);
    scep_set_clock(NULL, NULL);
    return 0;
}

/* ---- helpers --------------------------------------------------------------- */

static scep_sched_cfg cfg_of(time_t start, uint32_t interval, int jitter)
{
    scep_sched_cfg c = {.enable = 1,
                        .start = start,
                        .jitter = jitter,
                        .poll_count = 3,
                        .poll_interval = 300,
                        .interval = interval,
                        .renew_days = 0};
    return c;
}

static void enable(const scep_sched_cfg *c, scep_sched_state *st, time_t now)
{
    scep_sched_init(st);
    scep_sched_update(c, st, now);
}

/* Save and load the state as the glue does across a restart. */
static void save_load(scep_sched_state *st)
{
    char buf[SCEP_SCHED_TEXT_MAX];
    scep_sched_state back;
    CU_ASSERT_EQUAL_FATAL(scep_sched_format(st, buf, sizeof buf), SCEP_OK);
    memset(&back, 0x5a, sizeof back);
    CU_ASSERT_EQUAL_FATAL(scep_sched_parse(&back, buf, NULL), SCEP_OK);
    *st = back;
}

/* Call due() every step seconds in [from, to); count what starts, finishing
 * every try at once with rc. */
static int count_runs(const scep_sched_cfg *c, scep_sched_state *st, time_t from, time_t to,
                      time_t step, long days_left, scep_sched_what want, scep_rc rc)
{
    int n = 0;
    for (time_t t = from; t < to; t += step) {
        scep_sched_what w = scep_sched_due(c, st, t, days_left);
        if (w == SCEP_SCHED_NONE)
            continue;
        if (w == want)
            n++;
        else
            n += 1000; /* something else started: make the count wrong */
        scep_sched_done(c, st, t, rc);
    }
    return n;
}

static double chi2_10(const unsigned hist[10], unsigned total)
{
    double e = total / 10.0, x = 0;
    for (int i = 0; i < 10; i++)
        x += (hist[i] - e) * (hist[i] - e) / e;
    return x;
}

/* ---- A2: the random delay ----------------------------------------------- */

/* 10,000 delays drawn through the API (a fresh enable each); returns the
 * chi-square of 10 bins of 60 s, and the smallest and largest delay. */
static double draw_delays(unsigned *minp, unsigned *maxp)
{
    unsigned hist[10] = {0}, lo = 100000, hi = 0;
    scep_sched_cfg c = cfg_of(T0 + 1000, 0, 1);
    for (int i = 0; i < 10000; i++) {
        scep_sched_state st;
        enable(&c, &st, T0);
        time_t d = scep_sched_next(&c, &st, T0) - c.start;
        if (d < 1 || d > 600) {
            CU_FAIL("delay outside 1..600");
            continue;
        }
        hist[(d - 1) / 60]++;
        lo = (unsigned)d < lo ? (unsigned)d : lo;
        hi = (unsigned)d > hi ? (unsigned)d : hi;
    }
    *minp = lo;
    *maxp = hi;
    return chi2_10(hist, 10000);
}

static void test_delay_uniform(void)
{
    unsigned lo, hi;
    seed(1);
    double x = draw_delays(&lo, &hi);
    printf("\n  delay chi-square (10 bins, 10000 draws): %.2f, range %u..%u\n", x, lo, hi);
    CU_ASSERT(x < CHI2_9_P001);
    CU_ASSERT(lo >= 1 && lo <= 3);
    CU_ASSERT(hi <= 600 && hi >= 598);

    /* The same measurement fails for a broken source (delays 1..256)... */
    seed(1);
    rand_broken = 1;
    x = draw_delays(&lo, &hi);
    rand_broken = 0;
    CU_ASSERT(x > CHI2_9_P001);
    CU_ASSERT(hi <= 256);

    /* ... and for delays of 1..60 (all in the first bin). */
    unsigned hist[10] = {0};
    seed(2);
    for (int i = 0; i < 10000; i++)
        hist[(splitmix() % 60) / 60]++;
    CU_ASSERT(chi2_10(hist, 10000) > CHI2_9_P001);
}

static void test_jitter_off(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(T0 + 1000, 0, 0);
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0), T0 + 1000);
    /* start 0: at once */
    c.start = 0;
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0), T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    /* start passed when enabled: at once plus the delay, not at start */
    c = cfg_of(T0 - 5 * DAY, 0, 1);
    enable(&c, &st, T0);
    time_t n = scep_sched_next(&c, &st, T0);
    CU_ASSERT(n >= T0 + 1 && n <= T0 + 600);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n - 1, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
}

/* ---- A3: polling ------------------------------------------------------------ */

static void test_poll_count_interval(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(T0 + 100, 0, 0);
    const scep_rc comm[] = {SCEP_E_TCP, SCEP_E_TIMEOUT, SCEP_E_HTTP};
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_ENABLED);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 99, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 100, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_RUNNING);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 101, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 + 101), 0);
    time_t t = T0 + 110;
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(scep_sched_done(&c, &st, t, comm[i]), SCEP_SCHED_RETRY);
        CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_RUNNING);
        CU_ASSERT_EQUAL(scep_sched_next(&c, &st, t), t + 300);
        CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, t), t + 300);
        CU_ASSERT_EQUAL(scep_sched_due(&c, &st, t + 299, SCEP_SCHED_NO_CERT),
                        SCEP_SCHED_NONE);
        t += 300;
        CU_ASSERT_EQUAL(scep_sched_due(&c, &st, t, SCEP_SCHED_NO_CERT), SCEP_SCHED_RETRY);
        t += 7;
    }
    CU_ASSERT_EQUAL(st.tries, 3);
    /* 1 + poll_count tries: the fourth error is final. */
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, t, SCEP_E_TCP), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 1);
    CU_ASSERT_EQUAL(st.last_failed, t);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, t), 0);
    CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, t), 0);
    CU_ASSERT_EQUAL(count_runs(&c, &st, t, t + 30 * DAY, 600, SCEP_SCHED_NO_CERT,
                               SCEP_SCHED_RUN, SCEP_OK),
                    0);

    /* poll_count 0: no retry at all */
    c.poll_count = 0;
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 100, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 100, SCEP_E_TIMEOUT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 1);
}

static void test_no_retry(void)
{
    const scep_rc final[] = {SCEP_E_FAILURE,         SCEP_E_FAILINFO_BADREQ,
                             SCEP_E_FAILINFO_BADALG, SCEP_E_KEYSTORE_FULL,
                             SCEP_E_MALFORMED,       SCEP_E_BAD_SIGNATURE,
                             SCEP_E_NONCE_MISMATCH,  SCEP_E_TLS_VERIFY};
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++) {
        scep_sched_state st;
        scep_sched_cfg c = cfg_of(0, 0, 0);
        enable(&c, &st, T0);
        CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
        CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 5, final[i]), SCEP_SCHED_NONE);
        CU_ASSERT_EQUAL(st.retry_at, 0);
        CU_ASSERT_EQUAL(st.failures, 1);
        CU_ASSERT_EQUAL(st.last_failed, T0 + 5);
        CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
    }
    /* the same after PENDING: a FAILURE to a CertPoll ends the run */
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(0, 0, 0);
    enable(&c, &st, T0);
    scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0, SCEP_E_PENDING), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 300, SCEP_SCHED_NO_CERT), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 300, SCEP_E_FAILINFO_BADCERTID),
                    SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 1);
}

static void test_pending_polls(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(0, 0, 0);
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 1, SCEP_E_PENDING), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 301, SCEP_SCHED_NO_CERT), SCEP_SCHED_POLL);
    /* a communication error during polling: still a CertPoll next */
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 302, SCEP_E_TCP), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 602, SCEP_SCHED_NO_CERT), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 603, SCEP_OK), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 0);
    CU_ASSERT_EQUAL(st.poll, 0);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);

    /* a communication error first: a new request, not a poll */
    enable(&c, &st, T0);
    scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0, SCEP_E_HTTP), SCEP_SCHED_RETRY);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 300, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RETRY);
    /* PENDING exhausts the polls too */
    c.poll_count = 2;
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 300, SCEP_E_PENDING), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 600, SCEP_SCHED_NO_CERT), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 600, SCEP_E_PENDING), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 1);

    /* a spurious done() without a running try changes nothing */
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 700, SCEP_E_TCP), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 1);
}

/* ---- A4: periodic requests ------------------------------------------------ */

static void test_periodic_no_drift(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(T0, HOUR, 1);
    enable(&c, &st, T0 - 10);
    int runs = 0;
    time_t expect = T0;
    for (int k = 0; k < 2000; k++) {
        time_t n = scep_sched_next(&c, &st, expect - 1);
        CU_ASSERT(n >= expect + 1 && n <= expect + 600);
        CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, expect - 1), n);
        CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n - 1, SCEP_SCHED_NO_CERT),
                        SCEP_SCHED_NONE);
        CU_ASSERT_EQUAL_FATAL(scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT),
                              SCEP_SCHED_RUN);
        runs++;
        CU_ASSERT_EQUAL(st.last_slot, expect);
        /* late completions: up to 50 min, some after a retry */
        time_t end = n + (time_t)(splitmix() % 3000);
        if (k % 7 == 3) {
            CU_ASSERT_EQUAL(scep_sched_done(&c, &st, n + 10, SCEP_E_TIMEOUT),
                            SCEP_SCHED_RETRY);
            CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n + 310, SCEP_SCHED_NO_CERT),
                            SCEP_SCHED_RETRY);
            end = n + 310 + (time_t)(splitmix() % 2000);
        }
        /* every 100th run ends 2.5 intervals late: the slots it covered are
         * skipped, not run one after another */
        if (k % 100 == 99)
            end = expect + 5 * HOUR / 2;
        CU_ASSERT_EQUAL(scep_sched_done(&c, &st, end, SCEP_OK), SCEP_SCHED_NONE);
        expect += HOUR;
        while (expect <= end)
            expect += HOUR;
        CU_ASSERT_EQUAL(st.slot, expect);
    }
    CU_ASSERT_EQUAL(runs, 2000);
    /* no drift: still on the grid of the start time */
    CU_ASSERT_EQUAL((st.slot - T0) % HOUR, 0);
    CU_ASSERT_EQUAL(st.failures, 0);
}

/* ---- A8: restarts, clock jumps ---------------------------------------------- */

static void test_catch_up_once(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(T0, DAY, 1);
    enable(&c, &st, T0 - 100);
    time_t n = scep_sched_next(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, n + 30, SCEP_OK), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.slot, T0 + DAY);
    uint32_t delay = st.delay;
    save_load(&st); /* the agent stops at T0 + 60 ... */

    /* ... and starts again 5 days and 3 hours later */
    time_t up = T0 + 5 * DAY + 3 * HOUR;
    unsigned long draws = rand_calls;
    scep_sched_restart(&c, &st, up);
    CU_ASSERT_EQUAL(rand_calls, draws); /* never a second draw */
    CU_ASSERT_EQUAL(st.delay, delay);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, up), up + delay);
    /* exactly one run until the next slot of the grid */
    CU_ASSERT_EQUAL(count_runs(&c, &st, up, T0 + 6 * DAY, 60, SCEP_SCHED_NO_CERT,
                               SCEP_SCHED_RUN, SCEP_OK),
                    1);
    CU_ASSERT_EQUAL(st.slot, T0 + 6 * DAY);

    /* a restart before the slot: nothing changes */
    scep_sched_state before = st;
    save_load(&st);
    scep_sched_restart(&c, &st, T0 + 6 * DAY - 30);
    CU_ASSERT_EQUAL(st.slot, before.slot);
    CU_ASSERT_EQUAL(st.base, before.base);
    CU_ASSERT_EQUAL(st.delay, before.delay);

    /* a restart between the slot and its delay: the same time */
    c.interval = 0;
    enable(&c, &st, T0 - 100);
    n = scep_sched_next(&c, &st, T0);
    save_load(&st);
    scep_sched_restart(&c, &st, n - 1);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, n - 1), n);

    /* one-shot, down over the start time: once, then finished */
    save_load(&st);
    up = T0 + 3 * DAY;
    scep_sched_restart(&c, &st, up);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, up), up + st.delay);
    CU_ASSERT_EQUAL(count_runs(&c, &st, up, up + 30 * DAY, 60, SCEP_SCHED_NO_CERT,
                               SCEP_SCHED_RUN, SCEP_OK),
                    1);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
    /* and restarting a finished timer does not run it again */
    save_load(&st);
    scep_sched_restart(&c, &st, up + 40 * DAY);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, up + 40 * DAY), 0);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
}

static void test_restart_in_flight(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(0, DAY, 0);
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 1, SCEP_E_PENDING), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 301, SCEP_SCHED_NO_CERT), SCEP_SCHED_POLL);
    save_load(&st); /* killed during the poll (B2) */
    scep_sched_restart(&c, &st, T0 + 5000);
    CU_ASSERT_EQUAL(st.tries, 1);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_RUNNING);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 5000, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 5001, SCEP_OK), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.slot, T0 + DAY);

    /* killed while waiting between polls: the poll at its time */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + DAY, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + DAY, SCEP_E_PENDING), SCEP_SCHED_POLL);
    save_load(&st);
    scep_sched_restart(&c, &st, T0 + DAY + 100);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 + DAY + 100), T0 + DAY + 300);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + DAY + 300, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_POLL);

    /* killed during the first try of a renewal: that renewal again */
    scep_sched_init(&st);
    st.cfg_enable = 1;
    st.kind = SCEP_SCHED_KIND_RENEWAL;
    st.running = 1;
    st.seen = T0 + 2 * DAY;
    c = cfg_of(0, 0, 1);
    c.renew_days = 30;
    save_load(&st);
    scep_sched_restart(&c, &st, T0 + 3 * DAY);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 3 * DAY, 29), SCEP_SCHED_RETRY);
    CU_ASSERT_EQUAL(st.kind, SCEP_SCHED_KIND_RENEWAL);
}

static void test_clock_jumps(void)
{
    scep_sched_state st;
    time_t n;

    /* forward 10 hours over an hourly schedule: one run, then the grid */
    scep_sched_cfg c = cfg_of(T0, HOUR, 0);
    enable(&c, &st, T0 - 5);
    time_t now = T0 + 10 * HOUR + 5;
    CU_ASSERT_EQUAL(count_runs(&c, &st, now, T0 + 11 * HOUR, 60, SCEP_SCHED_NO_CERT,
                               SCEP_SCHED_RUN, SCEP_OK),
                    1);
    CU_ASSERT_EQUAL(st.slot, T0 + 11 * HOUR);

    /* back 30 days over a daily schedule: the wait left stays what it
     * was, then the grid goes on half to one and a half days later */
    c = cfg_of(T0, DAY, 1);
    enable(&c, &st, T0 - 5);
    n = scep_sched_next(&c, &st, T0);
    scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT);
    scep_sched_done(&c, &st, n + 60, SCEP_OK);
    CU_ASSERT_EQUAL(st.slot, T0 + DAY);
    time_t left = st.base + st.delay - (n + 60);
    now = T0 - 30 * DAY + 2 * HOUR;
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, now), now + left);
    CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, now), now + SCEP_SCHED_TICK);
    CU_ASSERT_EQUAL(count_runs(&c, &st, now, now + left, 60, SCEP_SCHED_NO_CERT,
                               SCEP_SCHED_RUN, SCEP_OK),
                    0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + left, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, now + left, SCEP_OK), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL((st.slot - T0) % DAY, 0); /* back on the grid */
    CU_ASSERT(st.slot >= now + left + DAY / 2 && st.slot <= now + left + 3 * DAY / 2);

    /* back 2 hours right after a run: no second run of that slot; the next
     * one a day after it in real time, then the grid */
    c = cfg_of(T0, DAY, 0);
    enable(&c, &st, T0 - 5);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 60, SCEP_OK), SCEP_SCHED_NONE);
    now = T0 - 2 * HOUR;
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, now), now + DAY - 60);
    CU_ASSERT_EQUAL(count_runs(&c, &st, now, now + DAY - 60, 60, SCEP_SCHED_NO_CERT,
                               SCEP_SCHED_RUN, SCEP_OK),
                    0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + DAY - 60, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    scep_sched_done(&c, &st, now + DAY, SCEP_OK);
    CU_ASSERT_EQUAL(st.slot, T0 + 2 * DAY);

    /* the same after a restart (the jump happened while down) */
    c = cfg_of(T0, DAY, 0);
    enable(&c, &st, T0 - 5);
    scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT);
    scep_sched_done(&c, &st, T0 + 60, SCEP_OK);
    save_load(&st);
    scep_sched_restart(&c, &st, T0 - 7 * DAY);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 - 7 * DAY), T0 - 7 * DAY + DAY - 60);

    /* B4's day moves back with the clock too */
    c = cfg_of(T0 + 100 * DAY, 0, 0);
    c.renew_days = 10;
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, 3), SCEP_SCHED_RENEW);
    scep_sched_done(&c, &st, T0 + 10, SCEP_OK);
    now = T0 - 50 * DAY;
    CU_ASSERT_EQUAL(
        count_runs(&c, &st, now, now + DAY - 20, 60, 3, SCEP_SCHED_RENEW, SCEP_OK), 0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + DAY, 3), SCEP_SCHED_RENEW);

    /* a request "at once", then the clock goes back a year: still at once */
    c = cfg_of(0, 0, 1);
    enable(&c, &st, T0);
    now = T0 - 365 * DAY;
    n = scep_sched_next(&c, &st, now);
    CU_ASSERT(n >= now + 1 && n <= now + 600);
    CU_ASSERT_EQUAL(
        count_runs(&c, &st, now, now + 601, 1, SCEP_SCHED_NO_CERT, SCEP_SCHED_RUN, SCEP_OK),
        1);

    /* a start time set by the operator stays where it is */
    c = cfg_of(T0 + 10 * DAY, DAY, 1);
    enable(&c, &st, T0);
    n = scep_sched_next(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 - 365 * DAY), n);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 - 365 * DAY, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 - 365 * DAY + 10), n);

    /* a retry: at most one poll interval away */
    c = cfg_of(0, 0, 0);
    enable(&c, &st, T0);
    scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0, SCEP_E_PENDING), SCEP_SCHED_POLL);
    now = T0 - 365 * DAY;
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, now), now + 300);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + 299, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + 300, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_POLL);
}

/* ---- configuration changes ---------------------------------------------------- */

static void test_config_changes(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(T0 + HOUR, DAY, 1);
    enable(&c, &st, T0);
    time_t n = scep_sched_next(&c, &st, T0);

    /* A7/A8: other parameters change nothing, draw nothing */
    unsigned long draws = rand_calls;
    c.poll_count = 10;
    c.poll_interval = 60;
    c.renew_days = 14;
    scep_sched_update(&c, &st, T0 + 10);
    c.jitter = 0;
    scep_sched_update(&c, &st, T0 + 20);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 + 20), T0 + HOUR);
    c.jitter = 1;
    scep_sched_update(&c, &st, T0 + 30);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 + 30), n);
    CU_ASSERT_EQUAL(rand_calls, draws);
    c.renew_days = 0;

    /* a new start time reschedules */
    c.start = T0 + 2 * HOUR;
    scep_sched_update(&c, &st, T0 + 40);
    CU_ASSERT_EQUAL(st.slot, T0 + 2 * HOUR);
    CU_ASSERT_EQUAL(st.anchor, T0 + 2 * HOUR);

    /* after a run, an interval change takes the grid from the previous slot */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 2 * HOUR + 600, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    scep_sched_done(&c, &st, T0 + 2 * HOUR + 700, SCEP_OK);
    CU_ASSERT_EQUAL(st.slot, T0 + 2 * HOUR + DAY);
    c.interval = HOUR;
    scep_sched_update(&c, &st, T0 + 5 * HOUR + 5);
    CU_ASSERT_EQUAL(st.slot, T0 + 6 * HOUR);
    /* a start in the past after a run: next grid time, no extra run */
    c.start = T0 - DAY + 30 * 60;
    scep_sched_update(&c, &st, T0 + 5 * HOUR + 10);
    CU_ASSERT_EQUAL(st.slot, T0 + 5 * HOUR + 30 * 60);
    /* interval 0 after a run: finished */
    c.interval = 0;
    scep_sched_update(&c, &st, T0 + 5 * HOUR + 20);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 + 5 * HOUR + 20), 0);
    /* and back to periodic */
    c.interval = HOUR;
    scep_sched_update(&c, &st, T0 + 5 * HOUR + 40 * 60);
    CU_ASSERT_EQUAL(st.slot, T0 + 6 * HOUR + 30 * 60);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_ENABLED);

    /* disable while waiting for a retry: dropped, not a failure */
    time_t t = st.slot + st.delay;
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, t, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, t, SCEP_E_TCP), SCEP_SCHED_RETRY);
    c.enable = 0;
    scep_sched_update(&c, &st, t + 1);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_DISABLED);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, t + 1), 0);
    CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, t + 1), 0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, t + HOUR, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 0);

    /* disable while a try runs: it finishes, no retry, nothing more */
    c.enable = 1;
    c.start = 0;
    t += 2 * HOUR;
    scep_sched_update(&c, &st, t + 100);
    CU_ASSERT_EQUAL(st.slot, t + 100);
    CU_ASSERT_EQUAL(st.last_slot, 0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, st.base + st.delay, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    c.enable = 0;
    scep_sched_update(&c, &st, t + 800);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_RUNNING);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, t + 900, SCEP_E_TCP), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.failures, 1);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_DISABLED);
    CU_ASSERT_EQUAL(st.slot, 0);

    /* re-enabled while the old try runs: the new schedule survives its end */
    c.enable = 1;
    c.start = T0 + 30 * DAY;
    scep_sched_update(&c, &st, t + 1000);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 30 * DAY + 600, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    c.enable = 0;
    scep_sched_update(&c, &st, T0 + 30 * DAY + 601);
    c.enable = 1;
    c.start = T0 + 40 * DAY;
    scep_sched_update(&c, &st, T0 + 30 * DAY + 602);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 30 * DAY + 700, SCEP_OK),
                    SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.slot, T0 + 40 * DAY);
}

/* ---- B4, B5 -------------------------------------------------------------------- */

static void test_renew_before_expiry(void)
{
    scep_sched_state st;
    scep_sched_cfg c = cfg_of(T0 + 100 * DAY, 0, 1);
    c.renew_days = 30;
    enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, 30), SCEP_SCHED_NONE); /* "fewer than" */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.renew_at, 0);
    /* 29 days left: a renewal after its own delay, before the start time */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, 29), SCEP_SCHED_NONE);
    CU_ASSERT(st.renew_delay >= 1 && st.renew_delay <= 600);
    time_t n = scep_sched_next(&c, &st, T0);
    CU_ASSERT_EQUAL(n, T0 + st.renew_delay);
    CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, T0), n);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n - 1, 29), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n, 29), SCEP_SCHED_RENEW);
    CU_ASSERT_EQUAL(st.kind, SCEP_SCHED_KIND_RENEWAL);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, n + 5, SCEP_E_TCP), SCEP_SCHED_RETRY);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n + 305, 29), SCEP_SCHED_RETRY);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, n + 306, SCEP_OK), SCEP_SCHED_NONE);
    /* the scheduled first run is untouched */
    CU_ASSERT_EQUAL(st.slot, T0 + 100 * DAY);

    /* a certificate that stays short-lived cannot loop: once a day, across
     * a save/load of the state (restart) too */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + HOUR, 1), SCEP_SCHED_NONE);
    save_load(&st);
    scep_sched_restart(&c, &st, T0 + 2 * HOUR);
    CU_ASSERT_EQUAL(
        count_runs(&c, &st, T0 + 2 * HOUR, T0 + DAY, 60, 1, SCEP_SCHED_RENEW, SCEP_OK), 0);
    CU_ASSERT_EQUAL(
        count_runs(&c, &st, T0 + DAY, T0 + 11 * DAY, 600, 1, SCEP_SCHED_RENEW, SCEP_OK),
        10);
    /* and a failing renewal does not loop either */
    CU_ASSERT_EQUAL(count_runs(&c, &st, T0 + 11 * DAY, T0 + 21 * DAY, 600, 1,
                               SCEP_SCHED_RENEW, SCEP_E_FAILURE),
                    10);
    CU_ASSERT_EQUAL(st.failures, 10);

    /* jitter off: at once; off again when renew_days is 0 */
    c.jitter = 0;
    scep_sched_init(&st);
    scep_sched_update(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, -3), SCEP_SCHED_RENEW); /* expired */
    scep_sched_done(&c, &st, T0, SCEP_OK);
    c.renew_days = 0;
    scep_sched_update(&c, &st, T0 + 2 * DAY);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 2 * DAY, -3), SCEP_SCHED_NONE);

    /* a scheduled run due with a renewal pending: one run, not two */
    c = cfg_of(T0 + 300, 0, 1);
    c.renew_days = 30;
    enable(&c, &st, T0);
    st.delay = 1; /* the slot at T0 + 301, the renewal at T0 + 600 */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, 5), SCEP_SCHED_NONE);
    st.renew_delay = 600;
    CU_ASSERT_EQUAL(count_runs(&c, &st, T0, T0 + 2000, 10, 5, SCEP_SCHED_RUN, SCEP_OK), 1);

    /* disabled: no renewal */
    c.enable = 0;
    scep_sched_update(&c, &st, T0 + 3 * DAY);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 3 * DAY, 5), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_DISABLED);
}

static void test_expiry_notify(void)
{
    CU_ASSERT_TRUE(scep_expiry_notify_due(0, T0));
    CU_ASSERT_FALSE(scep_expiry_notify_due(T0, T0));
    CU_ASSERT_FALSE(scep_expiry_notify_due(T0, T0 + DAY - 1));
    CU_ASSERT_TRUE(scep_expiry_notify_due(T0, T0 + DAY));
    /* clock back by less than a day: still limited; by a day or more: the
     * stored time came from a wrong clock */
    CU_ASSERT_FALSE(scep_expiry_notify_due(T0, T0 - 100));
    CU_ASSERT_FALSE(scep_expiry_notify_due(T0, T0 - DAY + 1));
    CU_ASSERT_TRUE(scep_expiry_notify_due(T0, T0 - DAY));

    /* what the glue does per key: send, persist last_sent, restart, ask */
    time_t last = 0;
    int sent = 0;
    for (time_t t = T0; t < T0 + 7 * DAY; t += 600) {
        if (t == T0 + 3 * DAY) { /* restart: last_sent goes through a file line */
            char line[64];
            long long v = 0;
            snprintf(line, sizeof line, "expirySent %lld\n", (long long)last);
            CU_ASSERT_EQUAL(sscanf(line, "expirySent %lld", &v), 1);
            last = (time_t)v;
        }
        if (scep_expiry_notify_due(last, t)) {
            last = t;
            sent++;
        }
    }
    CU_ASSERT_EQUAL(sent, 7);
}

/* ---- persistence --------------------------------------------------------------- */

static void test_serialize(void)
{
    scep_sched_state st, back;
    scep_sched_init(&st);
    st.cfg_enable = 1;
    st.cfg_start = T0;
    st.cfg_interval = 4294967295u;
    st.anchor = T0;
    st.slot = T0 + DAY;
    st.base = T0 + DAY + 7;
    st.delay = 600;
    st.last_slot = T0;
    st.kind = SCEP_SCHED_KIND_RENEWAL;
    st.running = 0;
    st.tries = 1000;
    st.retry_at = T0 + 300;
    st.poll = 1;
    st.renew_at = T0 + 5;
    st.renew_delay = 1;
    st.renew_last = T0 + 4;
    st.last_failed = T0 + 3;
    st.seen = T0 + 2;
    st.failures = 9;
    char buf[SCEP_SCHED_TEXT_MAX];
    CU_ASSERT_EQUAL_FATAL(scep_sched_format(&st, buf, sizeof buf), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "schedSlot 1700086400\n"));
    CU_ASSERT_PTR_NULL(strstr(buf, "ailures"));
    CU_ASSERT_EQUAL_FATAL(scep_sched_parse(&back, buf, NULL), SCEP_OK);
    st.failures = 0; /* since the agent started: not saved */
    CU_ASSERT_EQUAL(memcmp(&st, &back, sizeof st), 0);
    char again[SCEP_SCHED_TEXT_MAX];
    CU_ASSERT_EQUAL(scep_sched_format(&back, again, sizeof again), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(buf, again);
    CU_ASSERT_EQUAL(scep_sched_format(&st, buf, 40), SCEP_E_INVALID);

    /* comments, empty lines, no final newline, missing keywords (= 0) */
    scep_sched_state z;
    CU_ASSERT_EQUAL(scep_sched_parse(&z, "# state\n\nschedEnable 1\nschedStart 5", NULL),
                    SCEP_OK);
    CU_ASSERT_EQUAL(z.cfg_enable, 1);
    CU_ASSERT_EQUAL(z.cfg_start, 5);
    CU_ASSERT_EQUAL(z.slot, 0);
    CU_ASSERT_EQUAL(scep_sched_parse(&z, "", NULL), SCEP_OK);

    static const char *bad[] = {
        "schedBogus 1\n",
        "schedSlot\n",
        "schedSlot \n",
        "schedSlot  5\n",
        "schedSlot 5 \n",
        "schedSlot 5\r\n",
        " schedSlot 5\n",
        "schedslot 5\n",
        "schedSlot -5\n",
        "schedSlot +5\n",
        "schedSlot 05\n",
        "schedSlot 0x10\n",
        "schedSlot 5s\n",
        "schedStart 253402300800\n",
        "schedStart 99999999999999999999\n",
        "schedStart 999999999999999999999\n",
        "schedEnable 2\n",
        "schedDelay 601\n",
        "schedRenewDelay 601\n",
        "schedKind 3\n",
        "schedTries 1001\n",
        "schedInterval 4294967296\n",
        "schedEnable 1\nschedEnable 1\n",
        /* inconsistent */
        "schedRunning 1\n",
        "schedKind 1\n",
        "schedKind 1\nschedRunning 1\nschedRetryAt 5\n",
        "schedEnable 1\nschedSlot 10\n",
        "schedEnable 1\nschedDelay 5\n",
        "schedSlot 10\nschedBase 10\n",
        "schedRenewDelay 5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scep_error e;
        scep_error_clear(&e);
        memcpy(&z, &st, sizeof z);
        if (scep_sched_parse(&z, bad[i], &e) != SCEP_E_INVALID)
            printf("\n  accepted: \"%s\"\n", bad[i]);
        CU_ASSERT_EQUAL(e.code, SCEP_E_INVALID);
        CU_ASSERT(e.text[0] != 0);
        CU_ASSERT_EQUAL(memcmp(&z, &st, sizeof z), 0); /* unchanged */
    }
}

/* ---- F3: a fleet with one start time ------------------------------------- */

static void test_fleet(void)
{
    enum { AGENTS = 10000 };
    static unsigned per_sec[601];
    scep_sched_cfg c = cfg_of(T0 + DAY, 0, 1);
    memset(per_sec, 0, sizeof per_sec);
    seed(2024);
    unsigned max = 0, busy = 0;
    for (int i = 0; i < AGENTS; i++) {
        scep_sched_state st;
        enable(&c, &st, T0 + (time_t)(splitmix() % DAY)); /* enabled some time before */
        time_t d = scep_sched_next(&c, &st, T0 + DAY) - c.start;
        CU_ASSERT_FATAL(d >= 1 && d <= 600);
        per_sec[d]++;
    }
    for (int s = 1; s <= 600; s++) {
        max = per_sec[s] > max ? per_sec[s] : max;
        busy += per_sec[s] != 0;
    }
    printf("\n  fleet of %d: mean %.2f requests/s over 600 s, max %u in one second, "
           "%u of 600 seconds used\n",
           AGENTS, AGENTS / 600.0, max, busy);
    CU_ASSERT_EQUAL(per_sec[0], 0);
    CU_ASSERT(max <= 40); /* Poisson(16.7): P(max of 600 > 40) ~ 1e-5 */
    CU_ASSERT(max >= 20);
    CU_ASSERT_EQUAL(busy, 600);
}

static void test_no_clock_read(void)
{
    CU_ASSERT_EQUAL(clock_reads, 0);
}

static void test_expiry_marks(void)
{
    const scep_expiry_mark m[] = {{1, 1700000000}, {7, 1700086400}, {4000000000u, 1}};
    char *text = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(scep_expiry_marks_format(m, 3, &text, &len), SCEP_OK);
    CU_ASSERT_EQUAL(strlen(text), len);
    scep_expiry_mark *got = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(scep_expiry_marks_parse(text, &got, &n, NULL), SCEP_OK);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(got[i].index, m[i].index);
        CU_ASSERT_EQUAL(got[i].last, m[i].last);
    }
    free(got);
    free(text);
    CU_ASSERT_EQUAL(scep_expiry_marks_parse("# nothing\n\n", &got, &n, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(n, 0);
    free(got);
    static const char *const bad[] = {
        "expiryNotified 5 1\nexpiryNotified 5 2\n", /* index twice */
        "expiryNotified 6 1\nexpiryNotified 5 2\n", /* not ascending */
        "expiryNotified 0 1\n",                     /* index 0 */
        "expiryNotified 4294967296 1\n",            /* index > 32 bits */
        "expiryNotified 5\n",                       /* no time */
        "expiryNotified 5 -1\n",                    /* negative time */
        "expiryNotified 5 1 x\n",                   /* trailing words */
        "expirynotified 5 1\n",                     /* keyword case */
        "schedSlot 5\n",                            /* another keyword */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scep_error e;
        scep_error_clear(&e);
        got = NULL;
        CU_ASSERT_EQUAL(scep_expiry_marks_parse(bad[i], &got, &n, &e), SCEP_E_INVALID);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "line "));
    }
}

int main(void)
{
    return tu_run_fixture(
        "sched",
        (tu_case[]){{"A2 delay 1..600, uniform (chi-square)", test_delay_uniform},
                    {"A1 jitter off, at once, start passed", test_jitter_off},
                    {"A3 poll count and interval", test_poll_count_interval},
                    {"A3 no retry for FAILURE, full store, bad data", test_no_retry},
                    {"A3 PENDING retries are CertPoll", test_pending_polls},
                    {"A4 periodic without drift, late completions", test_periodic_no_drift},
                    {"A8 catch-up once after downtime", test_catch_up_once},
                    {"A8/B2 restart during a run", test_restart_in_flight},
                    {"A8 clock jumps forward and back", test_clock_jumps},
                    {"A7/A8 configuration changes", test_config_changes},
                    {"B4 renew before expiry, once a day", test_renew_before_expiry},
                    {"B5 expiry notification once a day", test_expiry_notify},
                    {"state lines: round trip, bad lines", test_serialize},
                    {"B5 expiry marks: round trip, bad lines", test_expiry_marks},
                    {"F3 fleet of 10,000 with one start time", test_fleet},
                    {"the real clock is never read", test_no_clock_read},
                    {NULL, NULL}},
        init, cleanup);
}
