/*
 * test_schedstate.c - the scheduler's renewals and expiry notifications (B4,
 * B5), its state lines and expiry marks (what survives a restart) and a fleet
 * with one start time (F3). Fixture: schedfix.h.
 */
#include "config.h"

#include "schedfix.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- B4, B5 -------------------------------------------------------------------- */

static void test_renew_before_expiry(void)
{
    scep_sched_state st;
    scep_sched_cfg c = sf_cfg(T0 + 100 * DAY, 0, 1);
    c.renew_days = 30;
    sf_enable(&c, &st, T0);
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
    sf_save_load(&st);
    scep_sched_restart(&c, &st, T0 + 2 * HOUR);
    CU_ASSERT_EQUAL(
        sf_count_runs(&c, &st, T0 + 2 * HOUR, T0 + DAY, 60, 1, SCEP_SCHED_RENEW, SCEP_OK),
        0);
    CU_ASSERT_EQUAL(
        sf_count_runs(&c, &st, T0 + DAY, T0 + 11 * DAY, 600, 1, SCEP_SCHED_RENEW, SCEP_OK),
        10);
    /* and a failing renewal does not loop either */
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, T0 + 11 * DAY, T0 + 21 * DAY, 600, 1,
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
    c = sf_cfg(T0 + 300, 0, 1);
    c.renew_days = 30;
    sf_enable(&c, &st, T0);
    st.delay = 1; /* the slot at T0 + 301, the renewal at T0 + 600 */
    CU_ASSERT_EQUAL(scep_sched_due(&c, &st, T0, 5), SCEP_SCHED_NONE);
    st.renew_delay = 600;
    CU_ASSERT_EQUAL(sf_count_runs(&c, &st, T0, T0 + 2000, 10, 5, SCEP_SCHED_RUN, SCEP_OK),
                    1);

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
    scep_sched_cfg c = sf_cfg(T0 + DAY, 0, 1);
    memset(per_sec, 0, sizeof per_sec);
    sf_seed(2024);
    unsigned max = 0, busy = 0;
    for (int i = 0; i < AGENTS; i++) {
        scep_sched_state st;
        sf_enable(&c, &st,
                  T0 + (time_t)(sf_splitmix() % DAY)); /* enabled some time before */
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
    CU_ASSERT_EQUAL(sf_clock_reads, 0);
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
        "schedstate",
        (tu_case[]){{"B4 renew before expiry, once a day", test_renew_before_expiry},
                    {"B5 expiry notification once a day", test_expiry_notify},
                    {"state lines: round trip, bad lines", test_serialize},
                    {"B5 expiry marks: round trip, bad lines", test_expiry_marks},
                    {"F3 fleet of 10,000 with one start time", test_fleet},
                    {"the real clock is never read", test_no_clock_read},
                    {NULL, NULL}},
        sf_init, sf_cleanup);
}
