/*
 * mib_keys.c - scepcKeyStore (SPEC.md T1, B5, A6): capacity, count, smallest
 * days left, the expiry warning window (read-write, persisted) and
 * scepcKeyTable with its row action (delete).
 *
 * The table serves a snapshot of the key store (scep_keystore_list, sorted by
 * the stable index) through a tdata container: O(log n) per lookup, so a walk
 * of a 1000-key store is linear (SPEC.md P4); table_iterator would scan every
 * row per request. mib_keys_refresh() rebuilds the snapshot after the store
 * changed (init, enrollment, delete, SIGHUP). Status and days left are computed
 * from scep_now() when they are read.
 *
 * A delete is checked at RESERVE1 (syntax) and RESERVE2 (the default key, a
 * request for that name queued or running: inconsistentValue; a key store
 * that cannot be written, e.g. a read-only file system: resourceUnavailable,
 * one access() call) and done at COMMIT by the stage engine (the deletes are
 * this group's part of the stage).
 */
#include "config.h"

#include "agent.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { SCOL_CAPACITY = 1, SCOL_COUNT = 2, SCOL_MINDAYS = 3, SCOL_WARNDAYS = 4 };
enum {
    KCOL_INDEX = 1,
    KCOL_NAME,
    KCOL_USAGE,
    KCOL_POLICY,
    KCOL_LENGTH,
    KCOL_STATUS,
    KCOL_SUBJECT,
    KCOL_ISSUER,
    KCOL_SERIAL,
    KCOL_NOTBEFORE,
    KCOL_NOTAFTER,
    KCOL_DAYSLEFT,
    KCOL_SHA256,
    KCOL_ISDEFAULT,
    KCOL_HOOK,
    KCOL_ACTION
};
enum { ACTION_IDLE = 1, ACTION_DELETE = 2 };

#define DAYS_UNKNOWN 2147483647L
#define MAX_DELETES  32 /* key rows deleted by one SET PDU */

static struct {
    netsnmp_tdata *table;
    scep_keyinfo *keys; /* the snapshot, sorted by index; rows point into it */
    size_t n;
} K;

/* This group's part of a SET PDU's stage: the key rows it deletes. */
typedef struct deletes {
    uint32_t index[MAX_DELETES];
    unsigned n;
} deletes;

/* ---- values -------------------------------------------------------------- */

static long days_left(const scep_keyinfo *k, time_t now)
{
    if (!k->has_cert)
        return DAYS_UNKNOWN;
    long d = scep_days_left(k, now);
    if (d > DAYS_UNKNOWN - 1)
        d = DAYS_UNKNOWN - 1; /* 2147483647 means "no certificate" */
    if (d < -2147483647L - 1)
        d = -2147483647L - 1;
    return d;
}

static int is_default(const scep_keyinfo *k)
{
    return g_agent.conf.default_key[0] && strcmp(k->name, g_agent.conf.default_key) == 0;
}

static int hook_configured(const scep_keyinfo *k)
{
    if (k->usage < SCEP_USAGE_NONE || k->usage > SCEP_USAGE_DOT1X)
        return 0;
    const scep_hook *h = &g_agent.conf.run.hooks[k->usage];
    return h->install_dir[0] || h->reload_cmd[0];
}

int mib_keys_column(const scep_keyinfo *k, int col, netsnmp_variable_list *v)
{
    time_t now = scep_now();
    switch (col) {
    case KCOL_NAME:
        agent_var_str(v, k->name, SCEP_NAME_MAX);
        break;
    case KCOL_USAGE:
        agent_var_int(v, k->usage >= SCEP_USAGE_NONE && k->usage <= SCEP_USAGE_DOT1X
                             ? (long)k->usage
                             : 1);
        break;
    case KCOL_POLICY:
        agent_var_str(v, k->usage == SCEP_USAGE_IPSEC ? k->ipsec_policy : "",
                      SCEP_POLICY_MAX);
        break;
    case KCOL_LENGTH:
        agent_var_uint(v, ASN_UNSIGNED, k->bits);
        break;
    case KCOL_STATUS:
        agent_var_int(v, (long)scep_cert_status_at(k, now, g_agent.st.warn_days));
        break;
    case KCOL_SUBJECT:
        agent_var_str(v, k->has_cert ? k->subject : "", 255);
        break;
    case KCOL_ISSUER:
        agent_var_str(v, k->has_cert ? k->issuer : "", 255);
        break;
    case KCOL_SERIAL:
        agent_var_str(v, k->has_cert ? k->serial : "", 64);
        break;
    case KCOL_NOTBEFORE:
        agent_var_time(v, k->has_cert ? k->not_before : 0);
        break;
    case KCOL_NOTAFTER:
        agent_var_time(v, k->has_cert ? k->not_after : 0);
        break;
    case KCOL_DAYSLEFT:
        agent_var_int(v, days_left(k, now));
        break;
    case KCOL_SHA256:
        /* SIZE (0 | 95): anything else would break the MIB */
        agent_var_str(v, k->has_cert && strlen(k->sha256) == 95 ? k->sha256 : "", 95);
        break;
    case KCOL_ISDEFAULT:
        agent_var_int(v, is_default(k) ? 1 : 2);
        break;
    case KCOL_HOOK:
        agent_var_int(v, hook_configured(k) ? 1 : 2);
        break;
    case KCOL_ACTION:
        agent_var_int(v, ACTION_IDLE);
        break;
    default:
        return -1;
    }
    return 0;
}

static long min_days(void)
{
    time_t now = scep_now();
    long m = DAYS_UNKNOWN;
    for (size_t i = 0; i < K.n; i++) {
        long d = days_left(&K.keys[i], now);
        if (d < m)
            m = d;
    }
    return m;
}

int mib_keys_scalar(int col, netsnmp_variable_list *v)
{
    switch (col) {
    case SCOL_CAPACITY:
        agent_var_uint(v, ASN_UNSIGNED,
                       g_agent.ks ? scep_keystore_capacity(g_agent.ks) : 0);
        break;
    case SCOL_COUNT:
        agent_var_uint(v, ASN_GAUGE, g_agent.ks ? scep_keystore_count(g_agent.ks) : 0);
        break;
    case SCOL_MINDAYS:
        agent_var_int(v, min_days());
        break;
    case SCOL_WARNDAYS:
        agent_var_uint(v, ASN_UNSIGNED, g_agent.st.warn_days);
        break;
    default:
        return -1;
    }
    return 0;
}

/* ---- the snapshot -------------------------------------------------------- */

static void free_row(void *row, void *ctx)
{
    (void)ctx;
    netsnmp_tdata_delete_row(row); /* row->data points into K.keys */
}

void mib_keys_refresh(void)
{
    scep_keyinfo *keys = NULL;
    size_t n = 0;
    scep_error e;
    scep_error_clear(&e);
    if (!K.table || !g_agent.ks)
        return;
    if (scep_keystore_list(g_agent.ks, &keys, &n, &e) != SCEP_OK) {
        snmp_log(LOG_ERR,
                 "key store: cannot list the keys, the table stays as it was: %s\n",
                 e.text);
        return;
    }
    CONTAINER_CLEAR(K.table->container, free_row, NULL);
    free(K.keys);
    K.keys = keys;
    K.n = n;
    for (size_t i = 0; i < n; i++) {
        netsnmp_tdata_row *row = netsnmp_tdata_create_row();
        u_long idx = keys[i].index;
        if (!row || !netsnmp_tdata_row_add_index(row, ASN_UNSIGNED, &idx, sizeof idx)) {
            if (row)
                netsnmp_tdata_delete_row(row);
            snmp_log(LOG_ERR, "key store: out of memory, scepcKeyTable is incomplete\n");
            break;
        }
        row->data = &keys[i];
        if (netsnmp_tdata_add_row(K.table, row) != SNMPERR_SUCCESS) {
            netsnmp_tdata_delete_row(row);
            snmp_log(LOG_ERR, "key store: cannot add key %s to scepcKeyTable\n",
                     keys[i].name);
        }
    }
    DEBUGMSGTL(("scepagentd/keys", "scepcKeyTable: %zu rows\n", n));
    agent_notify_expiry_soon();
}

void mib_keys_reload(void)
{
    scep_error e;
    scep_error_clear(&e);
    if (!g_agent.ks)
        return;
    if (scep_keystore_reload(g_agent.ks, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "key store %s: cannot re-read it: %s\n",
                 g_agent.conf.keystore_dir, e.text);
    mib_keys_refresh();
}

const scep_keyinfo *mib_keys_snapshot(size_t *n)
{
    *n = K.n;
    return K.keys;
}

static const scep_keyinfo *find(uint32_t index)
{
    size_t lo = 0, hi = K.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (K.keys[mid].index == index)
            return &K.keys[mid];
        if (K.keys[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const scep_keyinfo *mib_keys_lookup(uint32_t index)
{
    const scep_keyinfo *k = find(index);
    if (!k) { /* a key stored since the last refresh */
        mib_keys_refresh();
        k = find(index);
    }
    return k;
}

/* ---- deletes ------------------------------------------------------------- */

static void delete_one(uint32_t index)
{
    const scep_keyinfo *k = find(index);
    scep_error e;
    scep_error_clear(&e);
    if (!k) {
        snmp_log(LOG_WARNING, "scepcKeyAction: key %lu is gone already\n",
                 (unsigned long)index);
        return;
    }
    char name[SCEP_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", k->name);
    if (scep_keystore_delete(g_agent.ks, name, &e) != SCEP_OK)
        snmp_log(LOG_ERR, "scepcKeyAction: cannot delete key %s (%lu): %s\n", name,
                 (unsigned long)index, e.text);
    else
        snmp_log(LOG_INFO, "scepcKeyAction: key %s (%lu) deleted\n", name,
                 (unsigned long)index);
}

/* COMMIT: every delete of the PDU. */
static void deletes_commit(void *part)
{
    const deletes *d = part;
    for (unsigned i = 0; i < d->n; i++)
        delete_one(d->index[i]);
    mib_keys_refresh();
}

static const agent_stage_part_ops deletes_ops = {
    .name = "scepcKeyAction", .size = sizeof(deletes), .commit = deletes_commit};

static int add_delete(agent_stage *stg, uint32_t index)
{
    deletes *d = agent_stage_part(stg, &deletes_ops);
    if (!d)
        return SNMP_ERR_RESOURCEUNAVAILABLE;
    for (unsigned i = 0; i < d->n; i++)
        if (d->index[i] == index)
            return SNMP_ERR_NOERROR;
    if (d->n == MAX_DELETES)
        return SNMP_ERR_RESOURCEUNAVAILABLE;
    d->index[d->n++] = index;
    return SNMP_ERR_NOERROR;
}

/* A request for that name is queued or running (not a later scheduled run). */
static int name_busy(const char *name)
{
    if (agent_enroll_busy(name)) /* queued or running, whatever the history shows */
        return 1;
    if (!g_agent.hist)
        return 0;
    for (unsigned i = 0; i < scep_history_count(g_agent.hist); i++) {
        const scep_hist_entry *h = scep_history_at(g_agent.hist, i);
        if (strcmp(h->name, name) != 0)
            continue;
        if (h->state == SCEP_HIST_INPROGRESS ||
            (h->state == SCEP_HIST_WAITING && h->source == SCEP_SRC_MANUAL))
            return 1;
    }
    return 0;
}

/* ---- handlers ------------------------------------------------------------ */

static int table_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
                         netsnmp_agent_request_info *reqinfo,
                         netsnmp_request_info *requests)
{
    (void)handler;
    (void)reg;
    if (reqinfo->mode != MODE_GET && reqinfo->mode != MODE_SET_RESERVE1 &&
        reqinfo->mode != MODE_SET_RESERVE2) {
        agent_stage_mode(reqinfo, requests);
        return SNMP_ERR_NOERROR;
    }
    for (netsnmp_request_info *r = requests; r; r = r->next) {
        if (r->processed)
            continue;
        netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
        if (!ti || !ti->indexes) {
            netsnmp_set_request_error(reqinfo, r, SNMP_ERR_GENERR);
            continue;
        }
        int col = (int)ti->colnum;
        uint32_t index = (uint32_t)*ti->indexes->val.integer;
        if (reqinfo->mode == MODE_GET) {
            const scep_keyinfo *k = netsnmp_tdata_extract_entry(r);
            if (!k || mib_keys_column(k, col, r->requestvb) != 0)
                netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
            continue;
        }
        const scep_keyinfo *k = find(index);
        int err = SNMP_ERR_NOERROR;
        if (col != KCOL_ACTION)
            err = SNMP_ERR_NOTWRITABLE;
        else if (!k)
            err = SNMP_ERR_NOCREATION; /* rows come from the key store only */
        if (err) {
            netsnmp_set_request_error(reqinfo, r, err);
            return SNMP_ERR_NOERROR;
        }
        agent_stage *stg = agent_stage_get(reqinfo, r);
        if (!stg)
            return SNMP_ERR_NOERROR;
        if (reqinfo->mode == MODE_SET_RESERVE1) {
            err = agent_check_int(r->requestvb, ACTION_IDLE, ACTION_DELETE);
            if (!err && *r->requestvb->val.integer == ACTION_DELETE)
                err = add_delete(stg, index);
        } else if (*r->requestvb->val.integer == ACTION_DELETE) {
            if (is_default(k)) {
                DEBUGMSGTL(("scepagentd/keys", "delete of %s refused: the default key\n",
                            k->name));
                err = SNMP_ERR_INCONSISTENTVALUE;
            } else if (name_busy(k->name)) {
                DEBUGMSGTL(("scepagentd/keys",
                            "delete of %s refused: a request is running\n", k->name));
                err = SNMP_ERR_INCONSISTENTVALUE;
            } else {
                scep_error e;
                scep_error_clear(&e);
                if (scep_keystore_writable(g_agent.ks, &e) != SCEP_OK) {
                    /* the COMMIT could not do it: refuse now (R4) */
                    snmp_log(LOG_ERR, "scepcKeyAction: delete of %s refused: %s\n", k->name,
                             e.text);
                    err = SNMP_ERR_RESOURCEUNAVAILABLE;
                }
            }
        }
        if (err) {
            netsnmp_set_request_error(reqinfo, r, err);
            return SNMP_ERR_NOERROR;
        }
    }
    return SNMP_ERR_NOERROR;
}

static void scalar_get(netsnmp_request_info *r, int col)
{
    if (mib_keys_scalar(col, r->requestvb) != 0)
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
}

static int scalar_reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                           const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    if (col != SCOL_WARNDAYS)
        return SNMP_ERR_NOTWRITABLE;
    int err = agent_set_field_uint(&stg->st, SCEP_F_WARN_DAYS, v); /* the schema's rule */
    if (err)
        return err;
    stg->dirty_state = 1;
    return SNMP_ERR_NOERROR;
}

void mib_keys_init(void)
{
    static const oid table_oid[] = SCEPC_OID(1, 5, 5);
    static const agent_scalars g = {.name = "scepcKeyStore",
                                    .arc = 5,
                                    .first = SCOL_CAPACITY,
                                    .last = SCOL_WARNDAYS,
                                    .single = 1u << SCOL_WARNDAYS,
                                    .get = scalar_get,
                                    .reserve1 = scalar_reserve1};
    int ok = 1;

    agent_register_scalars(&g);
    K.table = netsnmp_tdata_create_table("scepcKeyTable", 0);
    netsnmp_table_registration_info *ti =
        SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
    netsnmp_handler_registration *reg =
        netsnmp_create_handler_registration("scepcKeyTable", table_handler, table_oid,
                                            OID_LENGTH(table_oid), HANDLER_CAN_RWRITE);
    if (!K.table || !ti || !reg) {
        snmp_log(LOG_ERR, "cannot register scepcKeyTable: out of memory\n");
        free(ti);
        if (reg)
            netsnmp_handler_registration_free(reg);
        return;
    }
    /* The indexes come unique from the key store: skip the duplicate check
     * that would sort the container at every insert. */
    int rc = 0;
    CONTAINER_SET_OPTIONS(K.table->container, CONTAINER_KEY_ALLOW_DUPLICATES, rc);
    (void)rc;
    netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
    ti->min_column = KCOL_NAME;
    ti->max_column = KCOL_ACTION;
    if (netsnmp_tdata_register(reg, K.table, ti) != MIB_REGISTERED_OK)
        ok = 0;
    else if (agent_fix_subids(reg) != 0) /* after: it must come first */
        snmp_log(LOG_WARNING, "scepcKeyTable: indexes above 2147483647 may not be found\n");
    if (!ok)
        snmp_log(LOG_ERR, "cannot register scepcKeyStore\n");
    mib_keys_refresh();
}
