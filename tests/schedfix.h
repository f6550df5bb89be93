/*
 * schedfix.h - the fixture shared by test_sched and test_schedstate: a seeded
 * fake random source, a trap clock that counts reads (the scheduler must
 * never read the real clock: time is passed in) and the calls the glue makes.
 */
#ifndef SCEP_SCHEDFIX_H
#define SCEP_SCHEDFIX_H

#include "scep-sched.h"

#include <stdint.h>
#include <time.h>

#define T0   1700000000 /* 2023-11-14T22:13:20Z */
#define DAY  86400
#define HOUR 3600

extern unsigned long sf_rand_calls;  /* draws from the fake source */
extern int sf_rand_broken;           /* only the low byte is random: r < 256 */
extern unsigned long sf_clock_reads; /* reads of the trap clock */

/* Suite setup (seed 42, fake source, trap clock) and teardown. */
int sf_init(void);
int sf_cleanup(void);
/* Restart the fake source at s (and repair it). */
void sf_seed(uint64_t s);
/* The next value of the fake source (splitmix64). */
uint64_t sf_splitmix(void);
/* An enabled configuration: start, interval, jitter; 3 polls 300 s apart. */
scep_sched_cfg sf_cfg(time_t start, uint32_t interval, int jitter);
/* A fresh state updated to c at now. */
void sf_enable(const scep_sched_cfg *c, scep_sched_state *st, time_t now);
/* Save and load the state as the glue does across a restart. */
void sf_save_load(scep_sched_state *st);
/* Call due() every step seconds in [from, to); count what starts, finishing
 * every try at once with rc (anything but want adds 1000). */
int sf_count_runs(const scep_sched_cfg *c, scep_sched_state *st, time_t from, time_t to,
                  time_t step, long days_left, scep_sched_what want, scep_rc rc);

#endif /* SCEP_SCHEDFIX_H */
