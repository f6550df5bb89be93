/*
 * agent.h - the SNMP glue of scepagentd (DESIGN.md section 1): shared state and
 * the functions the MIB group files export. Only agent/ includes Net-SNMP.
 *
 * Threading: everything here runs on the Net-SNMP (main) thread. Work that
 * blocks (key generation, HTTP) runs on the backend's worker thread and comes
 * back through scep_jobq_dispatch(), called from a register_readfd() callback.
 */
#ifndef SCEP_AGENT_H
#define SCEP_AGENT_H

#include "scep.h"
#include "scep-runner.h"
#include "scep-schema.h"

#include <limits.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <sys/types.h>

/* The MIB root, written once (SPEC.md section 8): netSnmpPlaypen.7237.
 * Move it here (and in the MIB's MODULE-IDENTITY) when the project has a PEN. */
#define SCEPC_ROOT_OID 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7237
#define SCEPC_OID(...)                                                                     \
    {                                                                                      \
        SCEPC_ROOT_OID, __VA_ARGS__                                                        \
    }

/* ---- local configuration (conf.c): never settable over SNMP (X4) --------- */
#define AGENT_MAX_POLICIES 16
typedef struct agent_conf {
    char keystore_dir[PATH_MAX];
    unsigned keystore_capacity;
    char default_key[SCEP_NAME_MAX + 1];
    char policies[AGENT_MAX_POLICIES][SCEP_POLICY_MAX + 1];
    unsigned n_policies;
    scep_runner_conf run; /* per-usage hooks, restart command, command timeout */
    char cacert_bundle[PATH_MAX];
    char proxy[SCEP_URL_MAX + 1];
    char agentx_socket[256];
    unsigned ping_interval;             /* AgentX ping interval, seconds */
    char state_dir[PATH_MAX];           /* settings, history, auto secret */
    char export_dir[PATH_MAX];          /* config copy files (T5) */
    unsigned trap_queue_max;            /* notifications kept while the master is away */
    char default_url[SCEP_URL_MAX + 1]; /* initial server URL before any SET */
    unsigned require_standard;          /* requireScepStandard yes/no (1/0) */
} agent_conf;

void agent_conf_defaults(agent_conf *c);
/* Parse the file; on error nothing in *c changes and a message is logged. */
int agent_conf_load(const char *path, agent_conf *c);
int agent_conf_policy_known(const agent_conf *c, const char *name);
/* NULL-terminated list for scep_params_validate (static storage). */
const char *const *agent_conf_policy_list(const agent_conf *c);

/* ---- state written over SNMP and persisted (scep/scep-schema.h) -------------- */
/* The settings struct, its rules, the state file and the export/import are
 * the backend's (scep_state, scep_auto); these names stay for the glue. */
typedef scep_auto agent_auto;
typedef scep_state agent_state;

/* The manual request (M1-M7, not persisted: M11). */
typedef struct agent_manual {
    scep_params p;
    long spin_lock;
} agent_manual;

/* scep_state_save with a logged error: 0 or -1 (fields.c). */
int agent_state_save(const char *dir, const agent_state *s);

/* ---- the running agent --------------------------------------------------- */
typedef struct agent {
    agent_conf conf;
    const char *conf_path;
    agent_state st;
    agent_manual manual;
    scep_keystore *ks;
    scep_jobq *jobs;
    struct scep_history *hist;
    scep_runner *runner; /* every request: history row, job, hooks (enroll.c) */
    int connected;       /* AgentX session to the master is up */
} agent;

extern agent g_agent;

int agent_init(const char *conf_path);
/* Backend log lines to snmp_log, on the main thread only (logpipe.c). */
int agent_log_init(void);
void agent_log_shutdown(void);
/* scep_settings for a client from the SNMP state + local config (agent.c). */
void agent_client_settings(scep_settings *s);
void agent_shutdown(void);
void agent_reload(void); /* SIGHUP */

/* ---- SET staging (stage.c): one PDU's effect, all-or-nothing ------------- */
/* The state the PDU being SET would produce. Handlers write into it in
 * RESERVE1, check consistency against it in RESERVE2; the first ACTION swaps
 * it in, UNDO restores, COMMIT persists and runs the queued actions. */
/* A MIB group's own part of a PDU's stage (the key row deletes, the config
 * copy action ...): allocated zeroed on the group's first use in the PDU,
 * wiped and freed with the stage. The engine calls action after the state
 * swap at the first ACTION, undo at UNDO (after an action), commit at the
 * first COMMIT after the state's own actions. Any callback may be NULL. */
typedef struct agent_stage_part_ops {
    const char *name;
    size_t size;
    void (*action)(void *part);
    void (*undo)(void *part);
    void (*commit)(void *part);
} agent_stage_part_ops;
#define AGENT_STAGE_PARTS 4

typedef struct agent_stage {
    agent_state st;
    agent_manual manual;
    int trigger; /* scepcReqTrigger enroll(2) in this PDU */
    int restart; /* scepcReqRestart restart(2) in this PDU */
    struct {
        const agent_stage_part_ops *ops;
        void *data;
    } parts[AGENT_STAGE_PARTS];
    int spin_seen;   /* the spin lock was part of this PDU */
    int dirty_state; /* agent_state changed: persist at COMMIT */
} agent_stage;

/* The stage of the PDU of reqinfo (created at its first RESERVE1). NULL and a
 * resourceUnavailable error when another SET is in progress. */
agent_stage *agent_stage_get(netsnmp_agent_request_info *reqinfo,
                             netsnmp_request_info *req);
/* Called by every handler for ACTION/UNDO/COMMIT/FREE: the stage engine does
 * each once per PDU. */
int agent_stage_action(netsnmp_agent_request_info *reqinfo);
void agent_stage_undo(netsnmp_agent_request_info *reqinfo);
void agent_stage_commit(netsnmp_agent_request_info *reqinfo);
void agent_stage_free(netsnmp_agent_request_info *reqinfo);
/* The group's part of the stage (created zeroed on first use); NULL when out
 * of memory or out of slots. agent_stage_find_part: NULL when the PDU has
 * none. */
void *agent_stage_part(agent_stage *stg, const agent_stage_part_ops *ops);
const void *agent_stage_find_part(const agent_stage *stg, const agent_stage_part_ops *ops);
/* A TOFU fingerprint recorded between a PDU's RESERVE1 and ACTION (stage.c). */
void agent_stage_note_ca_seen(const char *fpr);
/* Dispatch of the four modes above, for handlers. Returns 1 if handled. */
int agent_stage_mode(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests);

/* ---- scalar groups (scalars.c) ------------------------------------------- */
/* A group of scalars under scepcObjects.arc, columns first..last. */
typedef struct agent_scalars {
    const char *name;
    oid arc;
    int first, last;
    /* Each column registered alone (a table shares the subtree): a column is
     * writable when its bit (1u << col) is set in single, else read-only. */
    unsigned single;
    void (*get)(netsnmp_request_info *r, int col);
    /* RESERVE1: type/length/range, then the value goes into the stage;
     * NULL: nothing is writable (notWritable). */
    int (*reserve1)(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col);
    /* RESERVE2: consistency against the staged PDU; NULL: none. */
    int (*reserve2)(const agent_stage *stg, const netsnmp_variable_list *v, int col);
    /* ACTION/UNDO/COMMIT/FREE go to the stage engine (agent_stage_mode); a
     * group's own work in them is a part of the stage (agent_stage_part). */
} agent_scalars;
/* Register the group (g must outlive the agent: a static const). */
void agent_register_scalars(const agent_scalars *g);

/* ---- value checks shared by handlers (snmputil.c) ------------------------ */
/* Each returns SNMP_ERR_NOERROR or the error to set on the request. */
int agent_check_string(const netsnmp_variable_list *v, size_t min, size_t max);
int agent_check_int(const netsnmp_variable_list *v, long min, long max);
int agent_check_uint(const netsnmp_variable_list *v, unsigned long min, unsigned long max);
int agent_check_truth(const netsnmp_variable_list *v);
/* The SNMP error of a setter's answer (scep/scep-schema.h): the one mapping (fields.c). */
int agent_snmp_err(scep_field_rc rc);
/* A SET of a schema field (fields.c): the SNMP type check (OCTET STRING;
 * Unsigned32; INTEGER; TruthValue), then the schema's setter on *s. */
int agent_set_field_text(agent_state *s, scep_field f, const netsnmp_variable_list *v);
int agent_set_field_uint(agent_state *s, scep_field f, const netsnmp_variable_list *v);
int agent_set_field_int(agent_state *s, scep_field f, const netsnmp_variable_list *v);
int agent_set_field_truth(agent_state *s, scep_field f, const netsnmp_variable_list *v);
/* Copy an OCTET STRING value into a NUL-terminated buffer (length checked before). */
void agent_copy_string(const netsnmp_variable_list *v, char *dst, size_t n);
/* Table columns: a string cut to max octets on a UTF-8 boundary, an unsigned
 * (Unsigned32/Gauge32/Counter32 by type), an Integer32. */
void agent_var_str(netsnmp_variable_list *v, const char *s, size_t max);
void agent_var_uint(netsnmp_variable_list *v, u_char type, unsigned long x);
void agent_var_int(netsnmp_variable_list *v, long x);
/* mkdir -p; the last directory gets mode (agent.c). */
int agent_mkdir_p(const char *dir, mode_t mode);
/* time_t -> DateAndTime (11 octets, local time with UTC offset). */
size_t agent_dateandtime(time_t t, unsigned char out[11]);
/* A DateAndTime value: t, or '0000000000000000'H when t <= 0 (not known). */
void agent_var_time(netsnmp_variable_list *v, time_t t);
/* DateAndTime (8 or 11 octets) -> time_t; -1 if invalid. */
time_t agent_dateandtime_parse(const unsigned char *in, size_t len);
/* Answer a GET for a string / integer. */
void agent_set_string(netsnmp_request_info *r, const char *s);
void agent_set_octets(netsnmp_request_info *r, const void *p, size_t n);
void agent_set_int(netsnmp_request_info *r, u_char type, long v);

/* ---- MIB groups (one file each) ------------------------------------------ */
void mib_settings_init(void); /* scepcSettings */
void mib_request_init(void);  /* scepcRequest */
void mib_auto_init(void);     /* scepcAuto */
void mib_history_init(void);  /* scepcHistory */
void mib_keys_init(void);     /* scepcKeyStore */
void mib_notify_init(void);   /* scepcNotifyCtl + sending */
void mib_keys_refresh(void);  /* after the key store changed */

/* -- scepcHistory (mib_history.c) -- */
/* scepcHistDetail for a result code (internalError(39) for an unknown one). */
int agent_hist_detail(scep_rc rc);
/* scepcHistFailInfo: none(1) for -1 (or out of range), else failInfo + 2. */
int agent_hist_failinfo(int fail_info);
/* The value of column col (2..12) of a history row into v; -1 for another col. */
int mib_history_column(const scep_hist_entry *h, int col, netsnmp_variable_list *v);
/* Put a handler in front of a registered table that cuts request sub-ids to
 * 32 bits (a 5.9.3 subagent gets ids >= 2^31 sign-extended). 0 or -1. */
int agent_fix_subids(netsnmp_handler_registration *reg);

/* -- scepcKeyStore (mib_keys.c) -- */
/* Re-read the key store directory (outside changes: sceptool, an operator),
 * then mib_keys_refresh(). SIGHUP should call this one. */
void mib_keys_reload(void);
/* The snapshot the table serves, sorted by scepcKeyIndex (valid until the
 * next refresh). */
const scep_keyinfo *mib_keys_snapshot(size_t *n);
/* The key with that index (a refresh is tried once on a miss); NULL if none. */
const scep_keyinfo *mib_keys_lookup(uint32_t index);
/* The value of column col (2..16) of a key row, read at scep_now(); -1 for another col. */
int mib_keys_column(const scep_keyinfo *k, int col, netsnmp_variable_list *v);
/* scepcKeyStore scalar col (1..4) into v; -1 for another col. */
int mib_keys_scalar(int col, netsnmp_variable_list *v);
/* Cut s at n octets or fewer without splitting a UTF-8 character; returns the length. */
size_t agent_utf8_cut(const char *s, size_t n);

/* -- scepcAuto (mib_auto.c) -- */
/* Run-time status of the automatic request, set by the scheduler on the main
 * thread. Not persisted and not in agent_state: the SET stage copies and swaps
 * agent_state, which would lose an update made between TestSet and CommitSet. */
typedef struct agent_auto_status {
    int running;        /* a run is being sent or waits between polls: running(4) */
    int finished;       /* timer on, nothing more scheduled: finished(3) */
    time_t next_run;    /* scheduled time, random delay included; 0 = not known */
    uint32_t failures;  /* scepcAutoFailures (since the agent started) */
    time_t last_failed; /* scepcAutoLastFailed; 0 = none */
} agent_auto_status;
extern agent_auto_status g_auto_status;
/* NULL when the automatic request may be enabled with state s (URL, key name,
 * CN set and valid; for usage ipsec a configured policy), else the reason. */
const char *agent_auto_incomplete(const agent_state *s);

/* -- scepcConfigCopy (mib_cfgcopy.c), initialised by mib_auto_init() -- */
void mib_cfgcopy_init(void);
/* A scepcCfgFileName value: 1..255 of [A-Za-z0-9._-], no "..", no leading dot. */
int agent_cfg_name_valid(const char *name, size_t len);

/* ---- enrollment glue (enroll.c) ------------------------------------------ */
void agent_enroll_init(void);
/* Validate that a manual request may be queued now (M8, M10): 0 or an SNMP
 * error (inconsistentValue) with a reason logged. */
int agent_enroll_check(const agent_stage *stg);
/* Queue the manual request in the stage (at COMMIT). */
void agent_enroll_queue_manual(const agent_manual *m);
/* Run the restart command (M9) off the SNMP thread. */
void agent_restart_queue(const char *why);
/* scepcReqLastHistIndex: the history row of the last accepted trigger, 0 = none. */
uint32_t agent_enroll_last_index(void);
/* An enrollment for that key name is queued or running (M8). */
int agent_enroll_busy(const char *name);

/* ---- automatic request (autorun.c): scheduler + runner ------------------ */
/* Load the run state, recompute the next run (A8), arm the timer. */
void agent_autorun_init(void);
/* The automatic settings changed (SET COMMIT, import). */
void agent_autorun_changed(void);
/* An event of the runner: for an automatic request's completion the
 * scheduler records the outcome. Returns 0 when the try will be retried
 * (not the end of the request), else 1. */
int agent_autorun_event(const scep_run_event *ev);
/* After the event's notifications: history row and timer follow. */
void agent_autorun_settle(void);
void agent_autorun_shutdown(void);

/* ---- AgentX registrations refused by the master (regwatch.c) ------------- */
void agent_regwatch_init(void);
unsigned long agent_regwatch_retries(void);

/* ---- notifications (notify.c) -------------------------------------------- */
enum {
    AGENT_NOTIFY_PENDING = 0,
    AGENT_NOTIFY_STORE_FULL = 1,
    AGENT_NOTIFY_FAILED = 2,
    AGENT_NOTIFY_OBTAINED = 3,
    AGENT_NOTIFY_EXPIRING = 4
};
void agent_notify_history(int which, uint32_t hist_index);
void agent_notify_key(int which, uint32_t key_index);
void agent_notify_connected(int up);
/* scepcNotifyEnable <-> agent_state.notify_bits (bit n = BITS bit n, the MSB
 * of the first octet is bit 0). from_octets: 0, or an SNMP error
 * (wrongLength above 1 octet, wrongValue for a bit other than 0-4). */
unsigned char agent_notify_bits_to_octet(unsigned bits);
int agent_notify_bits_from_octets(const unsigned char *p, size_t len, unsigned *bits);
/* Run the expiry check (scepcCertExpiring) soon, e.g. after the key store
 * changed; it also runs every hour. */
void agent_notify_expiry_soon(void);
/* Notifications dropped because the queue was full (master away). */
unsigned long agent_notify_dropped(void);

#endif /* SCEP_AGENT_H */
