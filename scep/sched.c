/*
 * sched.c - the scheduler of the automatic request (A1-A4, A8, B4, B5): pure
 * functions over a time passed in and scep_random_range (see scep-sched.h for the
 * rules and how the glue drives them), and the "keyword value" form of its
 * state for the glue to persist.
 */
#include "config.h"

#include "scep-sched.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest time the state file may hold: 9999-12-31T23:59:59Z. */
#define TIME_MAX_SAVED 253402300799LL

void scep_sched_init(scep_sched_state *st)
{
    memset(st, 0, sizeof *st);
}

static uint32_t draw_delay(void)
{
    return scep_random_range(SCEP_SCHED_DELAY_MIN, SCEP_SCHED_DELAY_MAX);
}

/* The delay that applies: a drawn one is kept while jitter is off. */
static time_t eff(const scep_sched_cfg *cfg, uint32_t delay)
{
    return cfg->jitter ? (time_t)delay : 0;
}

/* The first time anchor + k * interval (any integer k) after t. */
static time_t grid_after(time_t anchor, uint32_t interval, time_t t)
{
    long long iv = interval, d = (long long)t - (long long)anchor;
    long long k = d >= 0 ? d / iv : -((-d + iv - 1) / iv); /* floor(d / iv) */
    return (time_t)(anchor + (k + 1) * iv);
}

static time_t later(time_t a, time_t b)
{
    return a > b ? a : b;
}

/* t moved back by j; 0 (none) stays 0, and a time never becomes 0. */
static time_t back(time_t t, time_t j)
{
    return t == 0 ? 0 : t > j ? t - j : 1;
}

/*
 * Note the time given. One before the latest seen means the clock went back
 * by j: every time computed from the clock moves back by j, so what was left
 * to wait stays what it was in real time (a run, a retry, a pending renewal,
 * the day of B4). Slot labels (the grid, A4) move by whole intervals, rounded,
 * so the run after the next one comes between half and one and a half
 * intervals later, and then the grid goes on. A start time set by the
 * operator (the run at it not made yet) stays.
 */
static void observe(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    if (st->seen && now < st->seen) {
        time_t j = st->seen - now;
        int fixed = cfg->start && st->slot == cfg->start && st->base == cfg->start;
        if (!fixed)
            st->base = back(st->base, j);
        if (cfg->interval) {
            long long iv = cfg->interval, k = ((long long)j + iv / 2) / iv;
            if (!fixed)
                st->slot = back(st->slot, (time_t)(k * iv));
            st->last_slot = back(st->last_slot, (time_t)(k * iv));
        } else {
            if (!fixed)
                st->slot = back(st->slot, j);
            st->last_slot = back(st->last_slot, j);
        }
        st->retry_at = back(st->retry_at, j);
        st->renew_at = back(st->renew_at, j);
        st->renew_last = back(st->renew_last, j);
    }
    st->seen = now;
}

/* Set the next slot; a new slot gets a new delay, the same one keeps its. */
static void set_slot(const scep_sched_cfg *cfg, scep_sched_state *st, time_t slot,
                     time_t now)
{
    if (slot == st->slot)
        return;
    st->slot = slot;
    st->base = later(slot, now); /* a slot in the past: at once, plus the delay */
    st->delay = cfg->jitter ? draw_delay() : 0;
}

static void clear_slot(scep_sched_state *st)
{
    st->slot = st->base = 0;
    st->delay = 0;
}

/* After a run: the first grid time after the previous slot and now (A4). */
static void next_slot(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    if (cfg->interval == 0)
        clear_slot(st); /* the single request was made: finished */
    else
        set_slot(cfg, st, grid_after(st->anchor, cfg->interval, later(st->last_slot, now)),
                 now);
}

static void clear_run(scep_sched_state *st)
{
    st->kind = SCEP_SCHED_KIND_NONE;
    st->running = 0;
    st->tries = 0;
    st->retry_at = 0;
    st->poll = 0;
}

static void end_run(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    /* A scheduled run consumed its slot (slot 0); a SET in the meantime may
     * have set a new one, which stays. */
    int advance = st->kind == SCEP_SCHED_KIND_SCHEDULED && st->slot == 0 && cfg->enable &&
                  st->cfg_enable;
    clear_run(st);
    if (advance)
        next_slot(cfg, st, now);
}

static void disable(scep_sched_state *st)
{
    clear_slot(st);
    st->anchor = 0;
    st->last_slot = 0;
    st->renew_at = 0;
    st->renew_delay = 0;
    if (!st->running)
        clear_run(st); /* a retry waiting is dropped */
}

static void enable(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    st->last_slot = 0;
    st->anchor = cfg->start ? cfg->start : now;
    clear_slot(st);
    set_slot(cfg, st, st->anchor, now);
}

static void start_changed(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    st->anchor = cfg->start ? cfg->start : now;
    if (cfg->start > now)
        set_slot(cfg, st, cfg->start, now);
    else if (st->last_slot == 0)
        set_slot(cfg, st, st->anchor, now); /* no run yet: at once */
    else if (cfg->interval)
        set_slot(cfg, st, grid_after(st->anchor, cfg->interval, later(st->last_slot, now)),
                 now);
    else
        clear_slot(st); /* the single request was made */
}

static void interval_changed(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    if (st->last_slot == 0)
        return; /* the first run is still ahead: it stays */
    if (st->kind == SCEP_SCHED_KIND_SCHEDULED && st->slot == 0)
        return; /* that run is in progress: its end sets the next slot */
    next_slot(cfg, st, now);
}

void scep_sched_update(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    observe(cfg, st, now);
    if (!cfg->enable) {
        if (st->cfg_enable || st->slot || st->renew_at || st->retry_at)
            disable(st);
    } else if (!st->cfg_enable) {
        enable(cfg, st, now);
    } else if (cfg->start != st->cfg_start) {
        start_changed(cfg, st, now);
    } else if (cfg->interval != st->cfg_interval) {
        interval_changed(cfg, st, now);
    }
    if (cfg->renew_days == 0) {
        st->renew_at = 0;
        st->renew_delay = 0;
    }
    if (cfg->jitter && st->slot && !st->delay)
        st->delay = draw_delay();
    if (cfg->jitter && st->renew_at && !st->renew_delay)
        st->renew_delay = draw_delay();
    st->cfg_enable = cfg->enable ? 1 : 0;
    st->cfg_start = cfg->start;
    st->cfg_interval = cfg->interval;
}

void scep_sched_restart(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now)
{
    observe(cfg, st, now); /* the clock may have gone back while down */
    if (st->running) {     /* the try was cut off: again at once */
        st->running = 0;
        st->retry_at = now;
    }
    if (st->slot && st->base + eff(cfg, st->delay) < now)
        st->base = now; /* missed while down: once, after the drawn delay */
    if (st->renew_at && st->renew_at + eff(cfg, st->renew_delay) < now)
        st->renew_at = now;
    scep_sched_update(cfg, st, now);
}

time_t scep_sched_next(const scep_sched_cfg *cfg, const scep_sched_state *st, time_t now)
{
    if (st->running)
        return 0;
    scep_sched_state c = *st;
    observe(cfg, &c, now);
    if (c.retry_at)
        return c.retry_at;
    if (!cfg->enable)
        return 0;
    time_t t = c.slot ? c.base + eff(cfg, c.delay) : 0;
    if (cfg->renew_days && c.renew_at) {
        time_t r = c.renew_at + eff(cfg, c.renew_delay);
        if (!t || r < t)
            t = r;
    }
    return t;
}

time_t scep_sched_wakeup(const scep_sched_cfg *cfg, const scep_sched_state *st, time_t now)
{
    time_t t = scep_sched_next(cfg, st, now);
    if (st->running || !cfg->enable || (t == 0 && cfg->renew_days == 0))
        return t;
    time_t cap = now + SCEP_SCHED_TICK;
    return t == 0 || t > cap ? cap : t;
}

static scep_sched_what start_run(scep_sched_state *st, scep_sched_kind kind,
                                 scep_sched_what what)
{
    st->kind = kind;
    st->running = 1;
    st->tries = 0;
    st->poll = 0;
    st->retry_at = 0;
    return what;
}

scep_sched_what scep_sched_due(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now,
                               long days_left)
{
    observe(cfg, st, now);
    if (!cfg->enable || st->running)
        return SCEP_SCHED_NONE;
    if (st->retry_at) {
        if (now < st->retry_at)
            return SCEP_SCHED_NONE; /* between polls: nothing else starts */
        st->retry_at = 0;
        st->running = 1;
        return st->poll ? SCEP_SCHED_POLL : SCEP_SCHED_RETRY;
    }
    if (st->slot && now >= st->base + eff(cfg, st->delay)) {
        st->last_slot = st->slot;
        clear_slot(st);
        st->renew_at = 0; /* this run renews the certificate anyway */
        st->renew_delay = 0;
        return start_run(st, SCEP_SCHED_KIND_SCHEDULED, SCEP_SCHED_RUN);
    }
    if (cfg->renew_days == 0)
        return SCEP_SCHED_NONE;
    if (st->renew_at) {
        if (now < st->renew_at + eff(cfg, st->renew_delay))
            return SCEP_SCHED_NONE;
        st->renew_at = 0;
        st->renew_delay = 0;
        return start_run(st, SCEP_SCHED_KIND_RENEWAL, SCEP_SCHED_RENEW);
    }
    if (days_left != SCEP_SCHED_NO_CERT && days_left < (long)cfg->renew_days &&
        scep_expiry_notify_due(st->renew_last, now)) {
        st->renew_last = now; /* B4: at most once a day */
        if (cfg->jitter) {
            st->renew_at = now;
            st->renew_delay = draw_delay();
            return SCEP_SCHED_NONE;
        }
        return start_run(st, SCEP_SCHED_KIND_RENEWAL, SCEP_SCHED_RENEW);
    }
    return SCEP_SCHED_NONE;
}

/* 0: no retry (A3: FAILURE, full key store, bad data ...), 1: a
 * communication error, 2: PENDING. No default: -Wall flags a new code. */
static int retry_class(scep_rc rc)
{
    switch (rc) {
    case SCEP_E_PENDING:
        return 2;
    case SCEP_E_TCP:
    case SCEP_E_TIMEOUT:
    case SCEP_E_HTTP:
        return 1;
    case SCEP_OK:
    case SCEP_E_NOMEM:
    case SCEP_E_INVALID:
    case SCEP_E_BAD_URL:
    case SCEP_E_TLS_VERIFY:
    case SCEP_E_FAILINFO_BADALG:
    case SCEP_E_FAILINFO_BADMSGCHK:
    case SCEP_E_FAILINFO_BADREQ:
    case SCEP_E_FAILINFO_BADTIME:
    case SCEP_E_FAILINFO_BADCERTID:
    case SCEP_E_FAILURE:
    case SCEP_E_KEYSTORE_FULL:
    case SCEP_E_CA_FINGERPRINT:
    case SCEP_E_CA_CHANGED:
    case SCEP_E_BAD_SIGNATURE:
    case SCEP_E_NONCE_MISMATCH:
    case SCEP_E_TRANSID_MISMATCH:
    case SCEP_E_MALFORMED:
    case SCEP_E_DECRYPT:
    case SCEP_E_CERT_UNTRUSTED:
    case SCEP_E_CERT_MISMATCH:
    case SCEP_E_CACERT:
    case SCEP_E_KEYGEN:
    case SCEP_E_CSR:
    case SCEP_E_CRYPTO:
    case SCEP_E_IO:
    case SCEP_E_NAME:
    case SCEP_E_EXISTS:
    case SCEP_E_NOT_FOUND:
    case SCEP_E_DEFAULT_KEY:
    case SCEP_E_NO_RENEWAL:
    case SCEP_E_COMMAND:
    case SCEP_E_CANCELLED:
    case SCEP_E_BUSY:
    case SCEP_E_CONTENT_TYPE:
    case SCEP_E_INTERNAL:
    case SCEP_E_LAST:
        break;
    }
    return 0;
}

scep_sched_what scep_sched_done(const scep_sched_cfg *cfg, scep_sched_state *st, time_t now,
                                scep_rc outcome)
{
    observe(cfg, st, now);
    if (!st->running)
        return SCEP_SCHED_NONE;
    st->running = 0;
    if (outcome != SCEP_OK) {
        int r = retry_class(outcome);
        if (r == 2)
            st->poll = 1; /* from now on: CertPoll, same transactionID */
        if (r && cfg->enable && st->tries < cfg->poll_count) {
            st->tries++;
            st->retry_at = now + (time_t)(cfg->poll_interval ? cfg->poll_interval : 1);
            return st->poll ? SCEP_SCHED_POLL : SCEP_SCHED_RETRY;
        }
        st->failures++;
        st->last_failed = now;
    }
    end_run(cfg, st, now);
    return SCEP_SCHED_NONE;
}

scep_sched_oper scep_sched_status(const scep_sched_cfg *cfg, const scep_sched_state *st)
{
    if (st->running || st->retry_at)
        return SCEP_SCHED_RUNNING;
    if (!cfg->enable)
        return SCEP_SCHED_DISABLED;
    if (!st->slot && !st->renew_at && !cfg->renew_days)
        return SCEP_SCHED_FINISHED;
    return SCEP_SCHED_ENABLED;
}

int scep_expiry_notify_due(time_t last_sent, time_t now)
{
    if (last_sent == 0)
        return 1;
    if (now >= last_sent)
        return now - last_sent >= SCEP_SCHED_DAY;
    return last_sent - now >= SCEP_SCHED_DAY;
}

/* ------------------------------------------------------------------------ */
/* The state as "keyword value" lines.                                       */
/* ------------------------------------------------------------------------ */

enum ftype { F_BOOL, F_TIME, F_U32 };

static const struct field {
    const char *key;
    enum ftype type;
    size_t off;
    unsigned long long max; /* F_U32 */
} fields[] = {
    {"schedEnable", F_BOOL, offsetof(scep_sched_state, cfg_enable), 1},
    {"schedStart", F_TIME, offsetof(scep_sched_state, cfg_start), 0},
    {"schedInterval", F_U32, offsetof(scep_sched_state, cfg_interval), UINT32_MAX},
    {"schedAnchor", F_TIME, offsetof(scep_sched_state, anchor), 0},
    {"schedSlot", F_TIME, offsetof(scep_sched_state, slot), 0},
    {"schedBase", F_TIME, offsetof(scep_sched_state, base), 0},
    {"schedDelay", F_U32, offsetof(scep_sched_state, delay), SCEP_SCHED_DELAY_MAX},
    {"schedLastSlot", F_TIME, offsetof(scep_sched_state, last_slot), 0},
    {"schedKind", F_U32, offsetof(scep_sched_state, kind), SCEP_SCHED_KIND_RENEWAL},
    {"schedRunning", F_BOOL, offsetof(scep_sched_state, running), 1},
    {"schedTries", F_U32, offsetof(scep_sched_state, tries), 1000},
    {"schedRetryAt", F_TIME, offsetof(scep_sched_state, retry_at), 0},
    {"schedPoll", F_BOOL, offsetof(scep_sched_state, poll), 1},
    {"schedRenewAt", F_TIME, offsetof(scep_sched_state, renew_at), 0},
    {"schedRenewDelay", F_U32, offsetof(scep_sched_state, renew_delay),
     SCEP_SCHED_DELAY_MAX},
    {"schedRenewLast", F_TIME, offsetof(scep_sched_state, renew_last), 0},
    {"schedLastFailed", F_TIME, offsetof(scep_sched_state, last_failed), 0},
    {"schedSeen", F_TIME, offsetof(scep_sched_state, seen), 0},
    {"schedRunTag", F_U32, offsetof(scep_sched_state, run_tag), UINT32_MAX},
    {"schedWaitTag", F_U32, offsetof(scep_sched_state, wait_tag), UINT32_MAX},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static unsigned long long get_field(const scep_sched_state *st, const struct field *f)
{
    const char *p = (const char *)st + f->off;
    switch (f->type) {
    case F_BOOL:
        return *(const int *)p != 0;
    case F_TIME:
        return *(const time_t *)p > 0 ? (unsigned long long)*(const time_t *)p : 0;
    case F_U32:
        if (f->off == offsetof(scep_sched_state, kind))
            return (unsigned long long)*(const scep_sched_kind *)p;
        return *(const uint32_t *)p;
    }
    return 0;
}

static void put_field(scep_sched_state *st, const struct field *f, unsigned long long v)
{
    char *p = (char *)st + f->off;
    switch (f->type) {
    case F_BOOL:
        *(int *)p = (int)v;
        break;
    case F_TIME:
        *(time_t *)p = (time_t)v;
        break;
    case F_U32:
        if (f->off == offsetof(scep_sched_state, kind))
            *(scep_sched_kind *)p = (scep_sched_kind)v;
        else
            *(uint32_t *)p = (uint32_t)v;
        break;
    }
}

scep_rc scep_sched_format(const scep_sched_state *st, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        int n = snprintf(buf + o, o < len ? len - o : 0, "%s %llu\n", fields[i].key,
                         get_field(st, &fields[i]));
        if (n < 0 || (size_t)n >= (o < len ? len - o : 0))
            return SCEP_E_INVALID;
        o += (size_t)n;
    }
    return SCEP_OK;
}

/* A canonical decimal number (no sign, no leading zero) up to max. */
static int parse_num(const char *s, size_t n, unsigned long long max,
                     unsigned long long *out)
{
    unsigned long long v = 0;
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static const char *check_consistent(const scep_sched_state *s)
{
    if (s->kind == SCEP_SCHED_KIND_NONE &&
        (s->running || s->retry_at || s->tries || s->poll))
        return "a run in progress without its kind";
    if (s->kind != SCEP_SCHED_KIND_NONE && !s->running == !s->retry_at)
        return "a run must be either running or waiting for a retry";
    if ((s->slot == 0) != (s->base == 0))
        return "slot and base do not match";
    if (s->delay && !s->slot)
        return "a delay without a slot";
    if (s->slot && !s->cfg_enable)
        return "a slot while the timer is off";
    if (s->renew_delay && !s->renew_at)
        return "a renewal delay without a renewal";
    return NULL;
}

scep_rc scep_sched_parse(scep_sched_state *st, const char *text, scep_error *err)
{
    scep_sched_state tmp;
    unsigned char seen[NFIELDS] = {0};
    unsigned line = 0;

    scep_sched_init(&tmp);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (n != 0 && p[0] != '#') {
            const char *sp = memchr(p, ' ', n);
            const struct field *f = NULL;
            size_t i, klen = sp ? (size_t)(sp - p) : n;
            for (i = 0; i < NFIELDS; i++)
                if (strlen(fields[i].key) == klen && memcmp(fields[i].key, p, klen) == 0) {
                    f = &fields[i];
                    break;
                }
            if (!f)
                return scep_error_set(err, SCEP_E_INVALID,
                                      "scheduler state line %u: unknown keyword \"%.*s\"",
                                      line, (int)(klen > 40 ? 40 : klen), p);
            if (seen[i]++)
                return scep_error_set(err, SCEP_E_INVALID,
                                      "scheduler state line %u: %s given twice", line,
                                      f->key);
            unsigned long long v, max = f->type == F_BOOL ? 1
                                        : f->type == F_TIME
                                            ? (unsigned long long)TIME_MAX_SAVED
                                            : f->max;
            if (!sp || parse_num(sp + 1, n - klen - 1, max, &v) != 0)
                return scep_error_set(err, SCEP_E_INVALID,
                                      "scheduler state line %u: bad value for %s", line,
                                      f->key);
            put_field(&tmp, f, v);
        }
        p = nl ? nl + 1 : NULL;
    }
    const char *why = check_consistent(&tmp);
    if (why)
        return scep_error_set(err, SCEP_E_INVALID, "scheduler state: %s", why);
    *st = tmp;
    return SCEP_OK;
}

/* ---- B5: when scepcCertExpiring was last sent, per key ------------------- */

scep_rc scep_expiry_marks_format(const scep_expiry_mark *m, size_t n, char **out,
                                 size_t *len)
{
    size_t cap = 64 + n * 48, o = 0;
    char *buf = malloc(cap);
    if (!buf)
        return SCEP_E_NOMEM;
    o += (size_t)snprintf(buf, cap, "# scepcCertExpiring sent: key index, time (UTC s)\n");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(buf + o, cap - o, "expiryNotified %lu %lld\n",
                              (unsigned long)m[i].index, (long long)m[i].last);
    *out = buf;
    *len = o;
    return SCEP_OK;
}

scep_rc scep_expiry_marks_parse(const char *text, scep_expiry_mark **out, size_t *n,
                                scep_error *err)
{
    static const char kw[] = "expiryNotified ";
    size_t cap = 0, cnt = 0;
    scep_expiry_mark *m = NULL;
    unsigned line = 0;
    scep_rc rc = SCEP_OK;
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (len != 0 && p[0] != '#') {
            const char *sp;
            unsigned long long idx, t;
            if (len <= sizeof kw - 1 || memcmp(p, kw, sizeof kw - 1) != 0 ||
                !(sp = memchr(p + sizeof kw - 1, ' ', len - (sizeof kw - 1))) ||
                parse_num(p + sizeof kw - 1, (size_t)(sp - p) - (sizeof kw - 1), UINT32_MAX,
                          &idx) != 0 ||
                idx == 0 ||
                parse_num(sp + 1, len - (size_t)(sp + 1 - p), TIME_MAX_SAVED, &t) != 0 ||
                (cnt && m[cnt - 1].index >= idx)) {
                rc = scep_error_set(
                    err, SCEP_E_INVALID,
                    "expiry marks line %u: not \"expiryNotified INDEX TIME\" "
                    "in ascending index order",
                    line);
                break;
            }
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                scep_expiry_mark *nm = realloc(m, nc * sizeof *m);
                if (!nm) {
                    rc = SCEP_E_NOMEM;
                    break;
                }
                m = nm;
                cap = nc;
            }
            m[cnt].index = (uint32_t)idx;
            m[cnt].last = (time_t)t;
            cnt++;
        }
        p = nl ? nl + 1 : NULL;
    }
    if (rc) {
        free(m);
        return rc;
    }
    *out = m;
    *n = cnt;
    return SCEP_OK;
}
