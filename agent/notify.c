/*
 * notify.c - the notifications of SCEP-CLIENT-MIB (SPEC.md N, B5) and
 * scepcNotifyEnable.
 *
 * Each notification is an SNMPv2 trap with snmpTrapOID.0 and exactly the
 * OBJECTS of its NOTIFICATION-TYPE, the instance of each being the history
 * row's or the key's index (scalars: .0); the values are those the GET
 * handlers would answer (mib_history_column, mib_keys_column), so no
 * secret can appear in one. The master sends them to its trap sinks.
 *
 * No trap can be sent while the AgentX session is down: those raised
 * meanwhile wait in a bounded queue (trapQueueMax, the oldest is dropped and
 * counted) and are sent by a short alarm after reconnection, once the
 * subagent has registered its subtrees again. A trap sent just before the
 * session was found down may be lost: written into a socket the master no
 * longer reads, or received by a master killed before it forwarded it. So
 * the traps sent in the last RESEND_WINDOW seconds (at least the ping
 * interval) before a disconnect are queued again and sent after the
 * reconnection: at least once around a master restart, at the price of a
 * rare duplicate.
 *
 * scepcEnrollPending goes out once per transaction (the transactionIDs
 * already announced are remembered); scepcCertExpiring at most once a day per
 * key, from a check over the key store that runs every hour and soon after
 * the key store changes.
 */
#include "config.h"

#include "agent.h"
#include "scep-sched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_DELAY_MS 200  /* after reconnection: registrations first */
#define EXPIRY_PERIOD  3600 /* seconds between expiry checks */
#define EXPIRY_SOON    2    /* seconds: check after the key store changed */
#define PENDING_SEEN   64   /* pending transactions remembered */
#define RESEND_WINDOW  2    /* seconds (or the ping interval when longer) */
#define RECENT_MAX     32   /* sent traps remembered for that */

typedef struct queued {
    netsnmp_variable_list *vars;
    struct queued *next;
} queued;

typedef scep_expiry_mark expiry_mark;
#define EXPIRY_FILE "expiry.state" /* in stateDir: B5 across restarts */

static struct {
    queued *head, *tail;
    unsigned count;
    unsigned long dropped;
    unsigned flush_alarm;
    unsigned soon_alarm;
    char seen[PENDING_SEEN][SCEP_FPR_HEX_LEN + 1 + 16];
    unsigned seen_next;
    expiry_mark *marks; /* sorted by key index */
    size_t n_marks;
    struct {
        netsnmp_variable_list *vars;
        time_t when;      /* CLOCK_MONOTONIC seconds */
    } recent[RECENT_MAX]; /* sent lately, oldest first */
    unsigned n_recent;
} N;

static const oid trap_oid_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0}; /* snmpTrapOID.0 */
static const char *const notif_names[] = {"scepcEnrollPending", "scepcKeyStoreFull",
                                          "scepcEnrollFailed", "scepcCertObtained",
                                          "scepcCertExpiring"};

/* ---- scepcNotifyEnable ---------------------------------------------------- */

unsigned char agent_notify_bits_to_octet(unsigned bits)
{
    unsigned char o = 0;
    for (unsigned n = 0; n < 5; n++)
        if (bits & (1u << n))
            o |= (unsigned char)(0x80u >> n);
    return o;
}

int agent_notify_bits_from_octets(const unsigned char *p, size_t len, unsigned *bits)
{
    if (len > 1)
        return SNMP_ERR_WRONGLENGTH;
    *bits = 0;
    if (len == 0)
        return SNMP_ERR_NOERROR; /* a zero-length value means none */
    if (p[0] & 0x07)
        return SNMP_ERR_WRONGVALUE; /* bits 5-7 are not defined */
    for (unsigned n = 0; n < 5; n++)
        if (p[0] & (0x80u >> n))
            *bits |= 1u << n;
    return SNMP_ERR_NOERROR;
}

static int enabled(int which)
{
    return which >= 0 && which < 5 && (g_agent.st.notify_bits & (1u << which));
}

/* ---- the queue ----------------------------------------------------------- */

static time_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static time_t resend_window(void)
{
    time_t w = (time_t)g_agent.conf.ping_interval;
    return w > RESEND_WINDOW ? w : RESEND_WINDOW;
}

/* Keep vars (owned) among the recently sent ones; forget what is too old. */
static void remember(netsnmp_variable_list *vars)
{
    time_t now = mono_now();
    unsigned keep = 0;
    for (unsigned i = 0; i < N.n_recent; i++) {
        if (N.recent[i].when + resend_window() < now) {
            snmp_free_varbind(N.recent[i].vars);
            continue;
        }
        N.recent[keep++] = N.recent[i];
    }
    N.n_recent = keep;
    if (N.n_recent == RECENT_MAX) { /* still full: the oldest goes */
        snmp_free_varbind(N.recent[0].vars);
        memmove(&N.recent[0], &N.recent[1], (RECENT_MAX - 1) * sizeof N.recent[0]);
        N.n_recent--;
    }
    N.recent[N.n_recent].vars = vars;
    N.recent[N.n_recent].when = now;
    N.n_recent++;
}

static void send_now(netsnmp_variable_list *vars)
{
    send_v2trap(vars); /* copies vars; sysUpTime.0 is put in front */
    remember(vars);
}

static const char *name_of(const netsnmp_variable_list *vars)
{
    if (vars && vars->type == ASN_OBJECT_ID && vars->val_len >= sizeof(oid)) {
        oid last = vars->val.objid[vars->val_len / sizeof(oid) - 1];
        if (last >= 1 && last <= 5)
            return notif_names[last - 1];
    }
    return "notification";
}

static void drop_oldest(void)
{
    queued *q = N.head;
    N.head = q->next;
    if (!N.head)
        N.tail = NULL;
    N.count--;
    N.dropped++;
    snmp_log(LOG_WARNING,
             "master agent unreachable, notification queue full: %s dropped "
             "(%lu dropped so far)\n",
             name_of(q->vars), N.dropped);
    snmp_free_varbind(q->vars);
    free(q);
}

static void enqueue(netsnmp_variable_list *vars)
{
    unsigned max = g_agent.conf.trap_queue_max;
    if (max == 0) {
        N.dropped++;
        snmp_log(LOG_WARNING, "master agent unreachable: %s dropped (trapQueueMax 0)\n",
                 name_of(vars));
        snmp_free_varbind(vars);
        return;
    }
    while (N.count >= max)
        drop_oldest();
    queued *q = calloc(1, sizeof *q);
    if (!q) {
        N.dropped++;
        snmp_log(LOG_ERR, "out of memory: %s dropped\n", name_of(vars));
        snmp_free_varbind(vars);
        return;
    }
    q->vars = vars;
    if (N.tail)
        N.tail->next = q;
    else
        N.head = q;
    N.tail = q;
    N.count++;
    DEBUGMSGTL(("scepagentd/notify", "%s queued (%u waiting)\n", name_of(vars), N.count));
}

static void flush(unsigned reg, void *arg)
{
    (void)reg;
    (void)arg;
    N.flush_alarm = 0;
    if (!g_agent.connected)
        return;
    unsigned n = N.count;
    while (N.head) {
        queued *q = N.head;
        N.head = q->next;
        send_now(q->vars);
        free(q);
    }
    N.tail = NULL;
    N.count = 0;
    if (n)
        snmp_log(LOG_INFO, "master agent back: %u queued notification(s) sent\n", n);
}

static void schedule_flush(void)
{
    if (N.flush_alarm || !N.head)
        return;
    struct timeval t = {0, FLUSH_DELAY_MS * 1000};
    N.flush_alarm = snmp_alarm_register_hr(t, 0, flush, NULL);
}

/* Send, or queue while the master is away (or older ones still wait). */
static void emit(netsnmp_variable_list *vars)
{
    DEBUGMSGTL(("scepagentd/notify", "%s raised\n", name_of(vars)));
    if (g_agent.connected && !N.head) {
        send_now(vars);
        return;
    }
    enqueue(vars);
    if (g_agent.connected)
        schedule_flush();
}

/* The session went down: what was sent in the window before goes in front of
 * the queue, to be sent again after the reconnection. */
static void requeue_recent(void)
{
    time_t now = mono_now();
    unsigned n = 0;
    queued *first = NULL, *last = NULL;
    for (unsigned i = 0; i < N.n_recent; i++) {
        queued *q = N.recent[i].when + resend_window() >= now ? calloc(1, sizeof *q) : NULL;
        if (!q) {
            snmp_free_varbind(N.recent[i].vars);
            continue;
        }
        q->vars = N.recent[i].vars;
        if (last)
            last->next = q;
        else
            first = q;
        last = q;
        n++;
    }
    N.n_recent = 0;
    if (!n)
        return;
    last->next = N.head;
    if (!N.head)
        N.tail = last;
    N.head = first;
    N.count += n;
    snmp_log(LOG_INFO,
             "master agent gone: the %u notification(s) sent in the last %ld s are sent "
             "again after the reconnection\n",
             n, (long)resend_window());
}

void agent_notify_connected(int up)
{
    if (!up && g_agent.connected)
        requeue_recent();
    g_agent.connected = up;
    DEBUGMSGTL(
        ("scepagentd/notify", "master %s, %u queued\n", up ? "up" : "down", N.count));
    if (up) {
        schedule_flush();
    } else if (N.flush_alarm) {
        snmp_alarm_unregister(N.flush_alarm);
        N.flush_alarm = 0;
    }
}

unsigned long agent_notify_dropped(void)
{
    return N.dropped;
}

/* ---- building the varbinds ---------------------------------------------- */

static netsnmp_variable_list *start(int which)
{
    oid id[] = SCEPC_OID(0, 0);
    id[OID_LENGTH(id) - 1] = (oid)(which + 1);
    netsnmp_variable_list *vars = NULL;
    if (!snmp_varlist_add_variable(&vars, trap_oid_oid, OID_LENGTH(trap_oid_oid),
                                   ASN_OBJECT_ID, id, sizeof id))
        return NULL;
    return vars;
}

/* A varbind named entry.col.instance (instance 0 for a scalar: entry is the
 * group and col the scalar). NULL when out of memory. */
static netsnmp_variable_list *add(netsnmp_variable_list **vars, const oid *entry, size_t n,
                                  int col, uint32_t instance)
{
    oid name[MAX_OID_LEN];
    memcpy(name, entry, n * sizeof *entry);
    name[n] = (oid)col;
    name[n + 1] = (oid)instance;
    return snmp_varlist_add_variable(vars, name, n + 2, ASN_NULL, NULL, 0);
}

static int add_hist(netsnmp_variable_list **vars, const scep_hist_entry *h, int col)
{
    static const oid entry[] = SCEPC_OID(1, 4, 3, 1);
    netsnmp_variable_list *v = add(vars, entry, OID_LENGTH(entry), col, h->index);
    return v && mib_history_column(h, col, v) == 0 ? 0 : -1;
}

static int add_key(netsnmp_variable_list **vars, const scep_keyinfo *k, int col)
{
    static const oid entry[] = SCEPC_OID(1, 5, 5, 1);
    netsnmp_variable_list *v = add(vars, entry, OID_LENGTH(entry), col, k->index);
    return v && mib_keys_column(k, col, v) == 0 ? 0 : -1;
}

static int add_store_scalar(netsnmp_variable_list **vars, int col)
{
    static const oid group[] = SCEPC_OID(1, 5);
    netsnmp_variable_list *v = add(vars, group, OID_LENGTH(group), col, 0);
    return v && mib_keys_scalar(col, v) == 0 ? 0 : -1;
}

/* Was this pending transaction announced already? Remember it if not. */
static int pending_seen(const scep_hist_entry *h)
{
    char id[sizeof N.seen[0]];
    if (h->transaction_id[0])
        snprintf(id, sizeof id, "%s", h->transaction_id);
    else
        snprintf(id, sizeof id, "#%lu", (unsigned long)h->index);
    for (unsigned i = 0; i < PENDING_SEEN; i++)
        if (strcmp(N.seen[i], id) == 0)
            return 1;
    snprintf(N.seen[N.seen_next], sizeof N.seen[0], "%s", id);
    N.seen_next = (N.seen_next + 1) % PENDING_SEEN;
    return 0;
}

void agent_notify_history(int which, uint32_t hist_index)
{
    /* OBJECTS clauses: scepcHistEntry columns 2 name, 3 source, 5 detail,
     * 6 HTTP status, 7 failInfo, 8 text, 9 transactionID, 10 polls. */
    static const int pending_cols[] = {2, 3, 9, 10, 0};
    static const int failed_cols[] = {2, 3, 5, 6, 7, 8, 0};
    const int *cols;

    if (which == AGENT_NOTIFY_PENDING)
        cols = pending_cols;
    else if (which == AGENT_NOTIFY_FAILED)
        cols = failed_cols;
    else if (which == AGENT_NOTIFY_STORE_FULL)
        cols = NULL;
    else {
        snmp_log(LOG_ERR, "agent_notify_history: %d is not a history notification\n",
                 which);
        return;
    }
    if (!enabled(which)) {
        DEBUGMSGTL(
            ("scepagentd/notify", "%s off in scepcNotifyEnable\n", notif_names[which]));
        return;
    }
    const scep_hist_entry *h =
        g_agent.hist ? scep_history_find(g_agent.hist, hist_index) : NULL;
    if (!h) {
        snmp_log(LOG_WARNING, "%s: history row %lu is gone, not sent\n", notif_names[which],
                 (unsigned long)hist_index);
        return;
    }
    if (which == AGENT_NOTIFY_PENDING && pending_seen(h)) {
        DEBUGMSGTL(("scepagentd/notify", "pending of row %lu announced already\n",
                    (unsigned long)hist_index));
        return;
    }
    netsnmp_variable_list *vars = start(which);
    int rc = vars ? 0 : -1;
    if (cols) {
        for (const int *c = cols; *c && !rc; c++)
            rc = add_hist(&vars, h, *c);
    } else { /* scepcKeyStoreFull: the name, then count and capacity (.0) */
        rc = add_hist(&vars, h, 2);
        if (!rc)
            rc = add_store_scalar(&vars, 2);
        if (!rc)
            rc = add_store_scalar(&vars, 1);
    }
    if (rc) {
        snmp_log(LOG_ERR, "%s: out of memory, not sent\n", notif_names[which]);
        snmp_free_varbind(vars);
        return;
    }
    emit(vars);
}

/* Build and send a key notification; 1 when raised, 0 when switched off. */
static int notify_key(int which, const scep_keyinfo *k)
{
    /* scepcKeyEntry columns 2 name, 3 usage, 7 subject, 9 serial,
     * 11 notAfter, 12 days left. */
    static const int obtained_cols[] = {2, 3, 7, 9, 11, 0};
    static const int expiring_cols[] = {2, 7, 11, 12, 0};
    const int *cols = which == AGENT_NOTIFY_OBTAINED ? obtained_cols : expiring_cols;

    if (!enabled(which)) {
        DEBUGMSGTL(
            ("scepagentd/notify", "%s off in scepcNotifyEnable\n", notif_names[which]));
        return 0;
    }
    netsnmp_variable_list *vars = start(which);
    int rc = vars ? 0 : -1;
    for (const int *c = cols; *c && !rc; c++)
        rc = add_key(&vars, k, *c);
    if (rc) {
        snmp_log(LOG_ERR, "%s: out of memory, not sent\n", notif_names[which]);
        snmp_free_varbind(vars);
        return 0;
    }
    emit(vars);
    return 1;
}

void agent_notify_key(int which, uint32_t key_index)
{
    if (which != AGENT_NOTIFY_OBTAINED && which != AGENT_NOTIFY_EXPIRING) {
        snmp_log(LOG_ERR, "agent_notify_key: %d is not a key notification\n", which);
        return;
    }
    const scep_keyinfo *k = mib_keys_lookup(key_index);
    if (!k) {
        snmp_log(LOG_WARNING, "%s: key %lu is not in the key store, not sent\n",
                 notif_names[which], (unsigned long)key_index);
        return;
    }
    notify_key(which, k);
}

/* ---- expiry check (B5) --------------------------------------------------- */

static void marks_path(char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", g_agent.conf.state_dir, EXPIRY_FILE);
}

/* Saved whole when a mark changes, so a restart does not send again. */
static void marks_save(void)
{
    char path[PATH_MAX + 32], *text = NULL;
    size_t len = 0;
    scep_error e;
    scep_error_clear(&e);
    marks_path(path, sizeof path);
    if (scep_expiry_marks_format(N.marks, N.n_marks, &text, &len) != SCEP_OK ||
        scep_write_file_atomic(path, text, len, 0600, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "expiry notification times not saved in %s: %s\n", path,
                 e.text[0] ? e.text : "out of memory");
    free(text);
}

static void marks_load(void)
{
    char path[PATH_MAX + 32], *text = NULL;
    size_t len = 0;
    scep_error e;
    scep_error_clear(&e);
    marks_path(path, sizeof path);
    if (access(path, F_OK) != 0)
        return;
    if (scep_read_file(path, &text, &len, &e) != SCEP_OK ||
        scep_expiry_marks_parse(text, &N.marks, &N.n_marks, &e) != SCEP_OK)
        snmp_log(LOG_WARNING,
                 "%s not used (%s): expiring certificates are notified again\n", path,
                 e.text);
    free(text);
}

static void expiry_check(unsigned reg, void *arg)
{
    (void)arg;
    if (reg == N.soon_alarm)
        N.soon_alarm = 0;
    size_t n, j = 0, out = 0;
    int changed = 0;
    const scep_keyinfo *keys = mib_keys_snapshot(&n);
    time_t now = scep_now();
    expiry_mark *marks = n ? calloc(n, sizeof *marks) : NULL;
    if (n && !marks) {
        snmp_log(LOG_ERR, "expiry check: out of memory\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const scep_keyinfo *k = &keys[i];
        /* both sorted by index: the old mark of this key, if any */
        while (j < N.n_marks && N.marks[j].index < k->index)
            j++;
        time_t last = j < N.n_marks && N.marks[j].index == k->index ? N.marks[j].last : 0;
        scep_cert_status st = scep_cert_status_at(k, now, g_agent.st.warn_days);
        if (st != SCEP_CERT_EXPIRING && st != SCEP_CERT_EXPIRED)
            continue;                            /* forget it: renewed, or never expiring */
        if (scep_expiry_notify_due(last, now)) { /* at most once a day per key */
            if (notify_key(AGENT_NOTIFY_EXPIRING, k)) {
                last = now;
                changed = 1;
            }
        }
        if (last) {
            marks[out].index = k->index;
            marks[out].last = last;
            out++;
        }
    }
    changed |= out != N.n_marks;
    free(N.marks);
    N.marks = marks;
    N.n_marks = out;
    if (changed)
        marks_save();
    DEBUGMSGTL(("scepagentd/expiry", "expiry check done: %zu keys, %zu marked\n", n, out));
}

void agent_notify_expiry_soon(void)
{
    if (!N.soon_alarm)
        N.soon_alarm = snmp_alarm_register(EXPIRY_SOON, 0, expiry_check, NULL);
}

/* ---- the scalar ---------------------------------------------------------- */

static void enable_get(netsnmp_request_info *r, int col)
{
    (void)col;
    unsigned char o = agent_notify_bits_to_octet(g_agent.st.notify_bits);
    snmp_set_var_typed_value(r->requestvb, ASN_OCTET_STR, &o, 1);
}

static int enable_reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                           const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    (void)col;
    unsigned bits = 0;
    int err = v->type != ASN_OCTET_STR
                  ? SNMP_ERR_WRONGTYPE
                  : agent_notify_bits_from_octets(v->val.string, v->val_len, &bits);
    if (!err) /* the BITS encoding above; the value's rule: the schema */
        err = agent_snmp_err(scep_state_set_num(&stg->st, SCEP_F_NOTIFY, bits));
    if (err)
        return err;
    stg->dirty_state = 1;
    return SNMP_ERR_NOERROR;
}

void mib_notify_init(void)
{
    static const agent_scalars g = {.name = "scepcNotifyEnable",
                                    .arc = 7,
                                    .first = 1,
                                    .last = 1,
                                    .single = 1u << 1,
                                    .get = enable_get,
                                    .reserve1 = enable_reserve1};
    agent_register_scalars(&g);
    marks_load();
    if (!snmp_alarm_register(EXPIRY_PERIOD, SA_REPEAT, expiry_check, NULL))
        snmp_log(LOG_ERR, "cannot start the daily expiry check\n");
    agent_notify_expiry_soon();
}
