/*
 * scep-sched.h - the scheduler of the automatic request (SPEC A1-A4, A8, B4, B5).
 *
 * Pure functions: the caller passes the time in ("now", from scep_now() in
 * the glue, from a fake clock in the tests); the only other input is the
 * random source (scep_random_range) for the delay of A2. No threads, no I/O,
 * no Net-SNMP. The glue keeps one alarm armed at scep_sched_wakeup() and,
 * when it fires or anything changed, asks scep_sched_due() what to start.
 *
 * How the glue drives it:
 *   start:       load the persisted state (scep_sched_parse; scep_sched_init
 *                when there is none), then scep_sched_restart(cfg, st, now).
 *   SET:         after any change of the automatic settings,
 *                scep_sched_update(cfg, st, now).
 *   alarm/event: w = scep_sched_due(cfg, st, now, days_left); RUN/RENEW/RETRY
 *                submit an enrollment (RENEW: the renewal of B4/B1; RETRY: the
 *                request of st->kind again), POLL a CertPoll of the pending
 *                transaction (same transactionID, A3/B2).
 *   completion:  scep_sched_done(cfg, st, now, rc) with the run's result.
 *   after each:  save the state (scep_sched_format, written whole), show
 *                scep_sched_next() as scepcAutoNextRun and the Waiting row,
 *                scep_sched_status() as scepcAutoOperStatus, and re-arm the
 *                alarm at scep_sched_wakeup() (0: no alarm needed).
 *
 * The schedule (A1, A4): the first run is at the start time, or at once
 * when the start is 0 or has passed when the timer is enabled; the following
 * ones lie on the grid anchor + k * interval (anchor = the start time, or
 * the time the timer was enabled when it is 0): after a run ends, the next
 * slot is the first grid time after both the previous slot and the end of
 * the run, so completions do not drift the schedule and a long downtime
 * gives one catch-up run, never several. Every slot gets one random delay
 * (1..600 s, drawn once when the slot is set, persisted, never redrawn).
 *
 * What scep_sched_update() keeps and recomputes (A7, A8):
 *   enable false -> true:  a fresh schedule (first run as above), tries and
 *                          the previous slot forgotten.
 *   enable true -> false:  nothing scheduled any more; a retry waiting is
 *                          dropped (not counted as a failure); a try already
 *                          submitted finishes and its outcome is recorded,
 *                          without retries.
 *   start changed:         the next slot is recomputed: the new start when
 *                          it is in the future; else at once if no run was
 *                          made since enabling, else the first grid time
 *                          after now (no extra run for moving the time of
 *                          day); a one-shot request that was made stays
 *                          finished.
 *   interval changed:      before the first run nothing changes; after one,
 *                          the next slot is the first time of the new grid
 *                          after the previous slot and now (interval 0: the
 *                          single request was made: finished).
 *   anything else (jitter, poll count/interval, renew days, key parameters,
 *   challenge, usage, ...): no reset; it applies from the next run or retry.
 *   jitter turned on draws the current slot's delay if it had none; turned
 *   off, the delay is kept but not applied.
 *   Always kept: failures, last failure, the last B4 firing (so toggling the
 *   timer cannot make renewals loop).
 *
 * Clock (A8): a restart, or a forward jump (it cannot be told from time
 * passing), that leaves a slot in the past gives one run (after a restart:
 * at restart time + the slot's delay, never a second draw). The scheduler
 * keeps the latest time it was given; an earlier one means the clock went
 * back by J: the times computed from the clock (the next run, a retry, a
 * pending renewal, the last B4 firing) move back by J, so the waits stay
 * what they were in real time: no far-future wait, no second run of a slot.
 * The grid labels move by whole intervals (rounded), so the run after that
 * one comes between half and one and a half intervals later, then the grid
 * of the start time goes on. A start time set by the operator whose run was
 * not made yet stays where it is. J is measured from the last call, so the
 * run after a jump back is late by at most the time since that call (at most
 * SCEP_SCHED_TICK while the glue follows scep_sched_wakeup).
 */
#ifndef SCEP_SCEP_SCHED_H
#define SCEP_SCEP_SCHED_H

#include "scep.h"

#include <limits.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCEP_SCHED_DELAY_MIN 1u   /* A2 */
#define SCEP_SCHED_DELAY_MAX 600u /* A2 */
#define SCEP_SCHED_DAY       86400
/* Longest sleep between two scep_sched_due() calls while the timer is on:
 * B4 is looked at, and a clock jump is noticed, at least this often. */
#define SCEP_SCHED_TICK 3600
/* days_left for scep_sched_due() when the usage has no certificate. */
#define SCEP_SCHED_NO_CERT LONG_MIN
/* Enough for scep_sched_format(). */
#define SCEP_SCHED_TEXT_MAX 1024

/* The automatic request's settings the scheduler needs; the glue fills it
 * from the persisted settings (struct scep_auto). */
typedef struct scep_sched_cfg {
    int enable;             /* scepcAutoEnable */
    time_t start;           /* scepcAutoStartTime (UTC); 0 = not set: at once */
    int jitter;             /* scepcAutoJitterEnable: the delay of A2 */
    uint32_t poll_count;    /* scepcAutoPollCount: retries after the first try */
    uint32_t poll_interval; /* scepcAutoPollInterval, seconds (>= 1) */
    uint32_t interval;      /* scepcAutoInterval, seconds; 0 = once */
    uint32_t renew_days;    /* scepcAutoRenewBeforeDays; 0 = off */
} scep_sched_cfg;

/* What to do now (scep_sched_due), or how a run goes on (scep_sched_done). */
typedef enum scep_sched_what {
    SCEP_SCHED_NONE = 0,  /* nothing (done: the run is over) */
    SCEP_SCHED_RUN = 1,   /* a scheduled run (first or periodic): enroll */
    SCEP_SCHED_RENEW = 2, /* a renewal before expiry (B4): enroll/renew */
    SCEP_SCHED_RETRY = 3, /* the run again after a communication error */
    SCEP_SCHED_POLL = 4   /* CertPoll of the PENDING transaction (A3, B2) */
} scep_sched_what;

/* The kind of the run in progress (st->kind). */
typedef enum scep_sched_kind {
    SCEP_SCHED_KIND_NONE = 0,
    SCEP_SCHED_KIND_SCHEDULED = 1, /* first or periodic slot */
    SCEP_SCHED_KIND_RENEWAL = 2    /* B4 */
} scep_sched_kind;

/* scepcAutoOperStatus values. */
typedef enum scep_sched_oper {
    SCEP_SCHED_ENABLED = 1,
    SCEP_SCHED_DISABLED = 2,
    SCEP_SCHED_FINISHED = 3,
    SCEP_SCHED_RUNNING = 4
} scep_sched_oper;

/* The run state, owned by the scheduler; the glue persists it (B2, A8)
 * with scep_sched_format/scep_sched_parse. Times are UTC seconds, 0 = none. */
typedef struct scep_sched_state {
    /* the settings the schedule was computed for (scep_sched_update) */
    int cfg_enable;
    time_t cfg_start;
    uint32_t cfg_interval;
    time_t anchor;        /* origin of the grid of slots */
    time_t slot;          /* scheduled time of the next run (no delay); 0 = none */
    time_t base;          /* that run is at base + delay; base >= slot */
    uint32_t delay;       /* the slot's random delay 1..600; 0 = not drawn */
    time_t last_slot;     /* slot of the last run since enabling; 0 = none yet */
    scep_sched_kind kind; /* the run in progress, NONE when idle */
    int running;          /* a try is with the runner: scep_sched_done follows */
    uint32_t tries;       /* retries made in this run (<= poll_count) */
    time_t retry_at;      /* the next retry of this run; 0 = none */
    int poll;             /* the run got PENDING: its retries are CertPoll */
    time_t renew_at;      /* B4 renewal pending: fires at renew_at + renew_delay */
    uint32_t renew_delay;
    time_t renew_last;  /* when B4 last fired (at most once a day) */
    time_t last_failed; /* scepcAutoLastFailed */
    time_t seen;        /* the latest time given: a jump back shows */
    uint32_t failures;  /* scepcAutoFailures: since the agent started, not saved */
    /* The caller's own, saved and loaded but never looked at here (the glue:
     * the history rows of the run in progress and of the next run). */
    uint32_t run_tag;
    uint32_t wait_tag;
} scep_sched_state;

/* An empty state: timer off, nothing scheduled. */
void scep_sched_init(scep_sched_state *st);
/* Apply the settings after a change (see above for what is kept). */
void scep_sched_update(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now);
/* Once after loading the state at agent start: a try that was with the
 * runner is made again at once (tries unchanged; a PENDING one is polled); a
 * slot or renewal missed while down runs once, at now + its drawn delay;
 * then scep_sched_update for settings changed while down. */
void scep_sched_restart(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now);
/* The next run, delay included (scepcAutoNextRun, the Waiting row); a retry
 * of a run between polls; 0 when nothing is scheduled or a try is running. */
time_t scep_sched_next(const scep_sched_cfg *cfg, const scep_sched_state *st, time_t now);
/* When the glue should call scep_sched_due() next (<= now: at once); 0 when
 * only a SET or scep_sched_done can change anything. */
time_t scep_sched_wakeup(const scep_sched_cfg *cfg, const scep_sched_state *st, time_t now);
/* What is due now. days_left: days the certificate of the automatic usage
 * has left (negative when expired), SCEP_SCHED_NO_CERT when there is none.
 * A non-NONE answer marks a try as running: submit it, then call
 * scep_sched_done. B4 fires when days_left < renew_days (MIB: "fewer than"),
 * at most once a day, after its own random delay. */
scep_sched_what scep_sched_due(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now,
                               long days_left);
/* Record the result of the running try (SCEP_OK, or the run's error code).
 * PENDING, tcp, timeout, http: retried after poll_interval, up to poll_count
 * times (answer POLL once PENDING was seen, RETRY otherwise); any other
 * error, or no retries left, ends the run in Error (failures + 1,
 * last_failed = now). Answers NONE when the run is over, then the next slot
 * is set (A4). */
scep_sched_what scep_sched_done(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now,
                                scep_rc outcome);
/* scepcAutoOperStatus. */
scep_sched_oper scep_sched_status(const scep_sched_cfg *cfg, const scep_sched_state *st);
/* B5: 1 when an expiry notification for a key whose last one was sent at
 * last_sent (0 = never) may be sent now: a day has passed, or the clock went
 * back by a day or more (the stored time came from a wrong clock). */
int scep_expiry_notify_due(time_t last_sent, time_t now);

/* B5 across restarts: when scepcCertExpiring was last sent for a key (by
 * scepcKeyIndex). The list is sorted by index; the caller saves it whole.
 * format: "expiryNotified INDEX TIME" lines, *out malloc'd. parse: strict
 * (ascending indexes, no other keyword); *out malloc'd (NULL when empty). */
typedef struct scep_expiry_mark {
    uint32_t index;
    time_t last;
} scep_expiry_mark;
scep_rc scep_expiry_marks_format(const scep_expiry_mark *m, size_t n, char **out,
                                 size_t *len);
scep_rc scep_expiry_marks_parse(const char *text, scep_expiry_mark **out, size_t *n,
                                scep_error *err);

/* The state as "keyword value" lines (schedSlot 1700000000 ...). Without
 * the failure counter (MIB: since the agent started). SCEP_E_INVALID when
 * len is too small (SCEP_SCHED_TEXT_MAX always suffices). */
scep_rc scep_sched_format(const scep_sched_state *st, char *buf, size_t len);
/* Parse what scep_sched_format wrote. Strict: every line a known keyword
 * once, a value in range and nothing after it, the fields consistent; '#'
 * comments and empty lines are skipped. On error *st is unchanged and err
 * (may be NULL) names the line. Keywords not given are 0. */
scep_rc scep_sched_parse(scep_sched_state *st, const char *text, scep_error *err);

#ifdef __cplusplus
}
#endif

#endif
