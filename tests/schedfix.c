/*
 * schedfix.c - the fixture of test_sched and test_schedstate (schedfix.h).
 */
#include "config.h"

#include "schedfix.h"
#include "testutil.h"

#include <string.h>

/* ---- fake random source and trap clock --------------------------------- */

static uint64_t rng;
unsigned long sf_rand_calls;
int sf_rand_broken; /* only the low byte is random: r < 256 */
unsigned long sf_clock_reads;

uint64_t sf_splitmix(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int fake_rand(void *ctx, unsigned char *buf, size_t n)
{
    (void)ctx;
    sf_rand_calls++;
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)sf_splitmix();
    if (sf_rand_broken && n == 4)
        buf[0] = buf[1] = buf[2] = 0;
    return 0;
}

static time_t trap_clock(void *ctx)
{
    (void)ctx;
    sf_clock_reads++;
    return 0;
}

void sf_seed(uint64_t s)
{
    rng = s;
    sf_rand_broken = 0;
}

int sf_init(void)
{
    sf_seed(42);
    scep_set_rand(fake_rand, NULL);
    scep_set_clock(trap_clock, NULL);
    return 0;
}

int sf_cleanup(void)
{
    scep_set_rand(NULL, NULL);
    scep_set_clock(NULL, NULL);
    return 0;
}

/* ---- helpers --------------------------------------------------------------- */

scep_sched_cfg sf_cfg(time_t start, uint32_t interval, int jitter)
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

void sf_enable(const scep_sched_cfg *c, scep_sched_state *st, time_t now)
{
    scep_sched_init(st);
    scep_sched_update(c, st, now);
}

/* Save and load the state as the glue does across a restart. */
void sf_save_load(scep_sched_state *st)
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
int sf_count_runs(const scep_sched_cfg *c, scep_sched_state *st, time_t from, time_t to,
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
