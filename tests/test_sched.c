/*
 * test_sched.c - the scheduler of the automatic request (sched.c): the
 * random delay, polling, periodic requests, restarts, clock jumps and
 * configuration changes (A1-A4, A7, A8). Time is passed in, randomness comes
 * from a seeded fake source; the real clock must never be read (schedfix.h).
 * B4, B5, F3 and the state lines: test_schedstate.c.
 */
#include "config.h"

#include "schedfix.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chi-square critical value, 9 degrees of freedom, p = 0.001. */
#define CHI2_9_P001 27.88

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
    scep_sched_cfg c = sf_cfg(T0 + 1000, 0, 1);
    for (int i = 0; i < 10000; i++) {
        scep_sched_state st;
        sf_enable(&c, &st, T0);
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
    sf_seed(1);
    double x = draw_delays(&lo, &hi);
    printf("\n  delay chi-square (10 bins, 10000 draws): %.2f, range %u..%u\n", x, lo, hi);
    CU_ASSERT(x < CHI2_9_P001);
    CU_ASSERT(lo >= 1 && lo <= 3);
    CU_ASSERT(hi <= 600 && hi >= 598);

    /* The same measurement fails for a broken source (delays 1..256)... */
    sf_seed(1);
    sf_rand_broken = 1;
    x = draw_delays(&lo, &hi);
    sf_rand_broken = 0;
    CU_ASSERT(x > CHI2_9_P001);
    CU_ASSERT(hi <= 256);

    /* ... and for delays of 1..60 (all in the first bin). */
    unsigned hist[10] = {0};
    sf_seed(2);
    for (int i = 0; i < 10000; i++)
        hist[(sf_splitmix() % 60) / 60]++;
    CU_ASSERT(chi2_10(hist, 10000) > CHI2_9_P001);
}

static void test_jitter_off(void)
{
    scep_sched_state st;
    scep_sched_cfg c = sf_cfg(T0 + 1000, 0, 0);
    sf_enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0), T0 + 1000);
    /* start 0: at once */
    c.start = 0;
    sf_enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0), T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    /* start passed when enabled: at once plus the delay, not at start */
    c = sf_cfg(T0 - 5 * DAY, 0, 1);
    sf_enable(&c, &st, T0);
    time_t n = scep_sched_next(&c, &st, T0);
    CU_ASSERT(n >= T0 + 1 && n <= T0 + 600);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n - 1, SCEP_SCHED_NO_CERT), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
}

/* ---- A3: polling ------------------------------------------------------------ */

static void test_poll_count_interval(void)
{
    scep_sched_state st;
    scep_sched_cfg c = sf_cfg(T0 + 100, 0, 0);
    const scep_rc comm[] = {SCEP_E_TCP, SCEP_E_TIMEOUT, SCEP_E_HTTP};
    sf_enable(&c, &st, T0);
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
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, t, t + 30 * DAY, 600, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    0);

    /* poll_count 0: no retry at all */
    c.poll_count = 0;
    sf_enable(&c, &st, T0);
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
        scep_sched_cfg c = sf_cfg(0, 0, 0);
        sf_enable(&c, &st, T0);
        CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
        CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 5, final[i]), SCEP_SCHED_NONE);
        CU_ASSERT_EQUAL(st.retry_at, 0);
        CU_ASSERT_EQUAL(st.failures, 1);
        CU_ASSERT_EQUAL(st.last_failed, T0 + 5);
        CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
    }
    /* the same after PENDING: a FAILURE to a CertPoll ends the run */
    scep_sched_state st;
    scep_sched_cfg c = sf_cfg(0, 0, 0);
    sf_enable(&c, &st, T0);
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
    scep_sched_cfg c = sf_cfg(0, 0, 0);
    sf_enable(&c, &st, T0);
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
    sf_enable(&c, &st, T0);
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
    scep_sched_cfg c = sf_cfg(T0, HOUR, 1);
    sf_enable(&c, &st, T0 - 10);
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
        time_t end = n + (time_t)(sf_splitmix() % 3000);
        if (k % 7 == 3) {
            CU_ASSERT_EQUAL(scep_sched_done(&c, &st, n + 10, SCEP_E_TIMEOUT),
                            SCEP_SCHED_RETRY);
            CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n + 310, SCEP_SCHED_NO_CERT),
                            SCEP_SCHED_RETRY);
            end = n + 310 + (time_t)(sf_splitmix() % 2000);
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
    scep_sched_cfg c = sf_cfg(T0, DAY, 1);
    sf_enable(&c, &st, T0 - 100);
    time_t n = scep_sched_next(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, n + 30, SCEP_OK), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(st.slot, T0 + DAY);
    uint32_t delay = st.delay;
    sf_save_load(&st); /* the agent stops at T0 + 60 ... */

    /* ... and starts again 5 days and 3 hours later */
    time_t up = T0 + 5 * DAY + 3 * HOUR;
    unsigned long draws = sf_rand_calls;
    scep_sched_restart(&c, &st, up);
    CU_ASSERT_EQUAL(sf_rand_calls, draws); /* never a second draw */
    CU_ASSERT_EQUAL(st.delay, delay);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, up), up + delay);
    /* exactly one run until the next slot of the grid */
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, up, T0 + 6 * DAY, 60, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    1);
    CU_ASSERT_EQUAL(st.slot, T0 + 6 * DAY);

    /* a restart before the slot: nothing changes */
    scep_sched_state before = st;
    sf_save_load(&st);
    scep_sched_restart(&c, &st, T0 + 6 * DAY - 30);
    CU_ASSERT_EQUAL(st.slot, before.slot);
    CU_ASSERT_EQUAL(st.base, before.base);
    CU_ASSERT_EQUAL(st.delay, before.delay);

    /* a restart between the slot and its delay: the same time */
    c.interval = 0;
    sf_enable(&c, &st, T0 - 100);
    n = scep_sched_next(&c, &st, T0);
    sf_save_load(&st);
    scep_sched_restart(&c, &st, n - 1);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, n - 1), n);

    /* one-shot, down over the start time: once, then finished */
    sf_save_load(&st);
    up = T0 + 3 * DAY;
    scep_sched_restart(&c, &st, up);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, up), up + st.delay);
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, up, up + 30 * DAY, 60, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    1);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
    /* and restarting a finished timer does not run it again */
    sf_save_load(&st);
    scep_sched_restart(&c, &st, up + 40 * DAY);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, up + 40 * DAY), 0);
    CU_ASSERT_EQUAL(scep_sched_status(&c, &st), SCEP_SCHED_FINISHED);
}

static void test_restart_in_flight(void)
{
    scep_sched_state st;
    scep_sched_cfg c = sf_cfg(0, DAY, 0);
    sf_enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 1, SCEP_E_PENDING), SCEP_SCHED_POLL);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 301, SCEP_SCHED_NO_CERT), SCEP_SCHED_POLL);
    sf_save_load(&st); /* killed during the poll (B2) */
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
    sf_save_load(&st);
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
    c = sf_cfg(0, 0, 1);
    c.renew_days = 30;
    sf_save_load(&st);
    scep_sched_restart(&c, &st, T0 + 3 * DAY);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 + 3 * DAY, 29), SCEP_SCHED_RETRY);
    CU_ASSERT_EQUAL(st.kind, SCEP_SCHED_KIND_RENEWAL);
}

static void test_clock_jumps(void)
{
    scep_sched_state st;
    time_t n;

    /* forward 10 hours over an hourly schedule: one run, then the grid */
    scep_sched_cfg c = sf_cfg(T0, HOUR, 0);
    sf_enable(&c, &st, T0 - 5);
    time_t now = T0 + 10 * HOUR + 5;
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, now, T0 + 11 * HOUR, 60, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    1);
    CU_ASSERT_EQUAL(st.slot, T0 + 11 * HOUR);

    /* back 30 days over a daily schedule: the wait left stays what it
     * was, then the grid goes on half to one and a half days later */
    c = sf_cfg(T0, DAY, 1);
    sf_enable(&c, &st, T0 - 5);
    n = scep_sched_next(&c, &st, T0);
    scep_sched_due(&c, &st, n, SCEP_SCHED_NO_CERT);
    scep_sched_done(&c, &st, n + 60, SCEP_OK);
    CU_ASSERT_EQUAL(st.slot, T0 + DAY);
    time_t left = st.base + st.delay - (n + 60);
    now = T0 - 30 * DAY + 2 * HOUR;
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, now), now + left);
    CU_ASSERT_EQUAL(scep_sched_wakeup(&c, &st, now), now + SCEP_SCHED_TICK);
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, now, now + left, 60, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + left, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, now + left, SCEP_OK), SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL((st.slot - T0) % DAY, 0); /* back on the grid */
    CU_ASSERT(st.slot >= now + left + DAY / 2 && st.slot <= now + left + 3 * DAY / 2);

    /* back 2 hours right after a run: no second run of that slot; the next
     * one a day after it in real time, then the grid */
    c = sf_cfg(T0, DAY, 0);
    sf_enable(&c, &st, T0 - 5);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT), SCEP_SCHED_RUN);
    CU_ASSERT_EQUAL(scep_sched_done(&c, &st, T0 + 60, SCEP_OK), SCEP_SCHED_NONE);
    now = T0 - 2 * HOUR;
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, now), now + DAY - 60);
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, now, now + DAY - 60, 60, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + DAY - 60, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_RUN);
    scep_sched_done(&c, &st, now + DAY, SCEP_OK);
    CU_ASSERT_EQUAL(st.slot, T0 + 2 * DAY);

    /* the same after a restart (the jump happened while down) */
    c = sf_cfg(T0, DAY, 0);
    sf_enable(&c, &st, T0 - 5);
    scep_sched_due(&c, &st, T0, SCEP_SCHED_NO_CERT);
    scep_sched_done(&c, &st, T0 + 60, SCEP_OK);
    sf_save_load(&st);
    scep_sched_restart(&c, &st, T0 - 7 * DAY);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 - 7 * DAY), T0 - 7 * DAY + DAY - 60);

    /* B4's day moves back with the clock too */
    c = sf_cfg(T0 + 100 * DAY, 0, 0);
    c.renew_days = 10;
    sf_enable(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, 3), SCEP_SCHED_RENEW);
    scep_sched_done(&c, &st, T0 + 10, SCEP_OK);
    now = T0 - 50 * DAY;
    CU_ASSERT_EQUAL(
        sf_count_runs(&c, &st, now, now + DAY - 20, 60, 3, SCEP_SCHED_RENEW, SCEP_OK), 0);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, now + DAY, 3), SCEP_SCHED_RENEW);

    /* a request "at once", then the clock goes back a year: still at once */
    c = sf_cfg(0, 0, 1);
    sf_enable(&c, &st, T0);
    now = T0 - 365 * DAY;
    n = scep_sched_next(&c, &st, now);
    CU_ASSERT(n >= now + 1 && n <= now + 600);
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, now, now + 601, 1, SCEP_SCHED_NO_CERT,
                                  SCEP_SCHED_RUN, SCEP_OK),
                    1);

    /* a start time set by the operator stays where it is */
    c = sf_cfg(T0 + 10 * DAY, DAY, 1);
    sf_enable(&c, &st, T0);
    n = scep_sched_next(&c, &st, T0);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 - 365 * DAY), n);
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0 - 365 * DAY, SCEP_SCHED_NO_CERT),
                    SCEP_SCHED_NONE);
    CU_ASSERT_EQUAL(scep_sched_next(&c, &st, T0 - 365 * DAY + 10), n);

    /* a retry: at most one poll interval away */
    c = sf_cfg(0, 0, 0);
    sf_enable(&c, &st, T0);
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
    scep_sched_cfg c = sf_cfg(T0 + HOUR, DAY, 1);
    sf_enable(&c, &st, T0);
    time_t n = scep_sched_next(&c, &st, T0);

    /* A7/A8: other parameters change nothing, draw nothing */
    unsigned long draws = sf_rand_calls;
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
    CU_ASSERT_EQUAL(sf_rand_calls, draws);
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

static void test_no_clock_read(void)
{
    CU_ASSERT_EQUAL(sf_clock_reads, 0);
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
                    {"the real clock is never read", test_no_clock_read},
                    {NULL, NULL}},
        sf_init, sf_cleanup);
}
