/*
 * schema.h - the settings scepagentd persists and exports (scep_state) and
 * the one set of rules for them (SPEC.md S1-S4, A1-A8, B4, B5, T5, X2, X6).
 *
 * Every persisted or exportable setting is a row of one table (keyword,
 * type, range or length, offset in scep_state, exportable?). The state file,
 * the export and import of the settings (scepcConfigCopy) and the SNMP SET
 * checks all go through its setters, so one keyword has one rule. The
 * request parameters (M1-M7) have setters of their own (scep_req_set_*),
 * used by the manual request, the automatic request and the import.
 *
 * Setters take raw octets + length (an SNMP OCTET STRING is not
 * NUL-terminated) or a number, and answer a category the glue maps to an
 * SNMP error in one place; on any answer but SCEP_FIELD_OK nothing changed.
 * The type of the SNMP value (wrongType) is the glue's business.
 *
 * Text form: "keyword value" lines, strings with \n and \\ escaped, numbers
 * in decimal, booleans 0/1, the start time as hex of its DateAndTime octets.
 * The automatic request's challenge is never in that text: the state file
 * has it in its own 0600 file, an export never has it (X2).
 *
 * No Net-SNMP here (DESIGN.md section 1).
 */
#ifndef SCEP_SCHEMA_H
#define SCEP_SCHEMA_H

#include "scep.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The automatic request (A1-A8, B4). */
typedef struct scep_auto {
    int enable;              /* A1 */
    unsigned char start[11]; /* DateAndTime of the first run */
    size_t start_len;        /* 0 (not set), 8 or 11 */
    int jitter;              /* A2 */
    unsigned poll_count;     /* A3 */
    unsigned poll_interval;
    unsigned interval;   /* A4: seconds, 0 = once */
    int restart;         /* A5 */
    int delete_previous; /* A6 */
    unsigned renew_days; /* B4: 0 = off */
    scep_params p;       /* A7: its own parameters (challenge in a 0600 file) */
} scep_auto;

/* What SNMP writes and the agent keeps across restarts. */
typedef struct scep_state {
    char url[SCEP_URL_MAX + 1];
    unsigned port;
    unsigned timeout;
    char ca_pin[SCEP_FPR_HEX_LEN + 1];
    char ca_seen[SCEP_FPR_HEX_LEN + 1]; /* TOFU: not writable, not exported */
    scep_auto autoreq;
    unsigned notify_bits; /* bit n = scepcNotifyEnable bit n */
    unsigned warn_days;   /* scepcKeyStoreWarnDays */
} scep_state;

/* What a setter answers (the glue: wrongLength, wrongValue, inconsistentValue). */
typedef enum scep_field_rc {
    SCEP_FIELD_OK = 0,
    SCEP_FIELD_WRONG_LENGTH = 1, /* too long / a length the syntax does not have */
    SCEP_FIELD_WRONG_VALUE = 2,  /* out of range, bad characters, bad syntax */
    SCEP_FIELD_INCONSISTENT = 3  /* valid, but not with the local configuration */
} scep_field_rc;
/* "wrong length", "invalid value", "inconsistent value" (never the value). */
const char *scep_field_rc_text(scep_field_rc rc);

/* ---- request parameters (M1-M7): manual, automatic, import --------------- */
/* Strings: at most the maximum of the field (else WRONG_LENGTH), no NUL octet.
 * Name and CN: empty (not set) or valid (scep_check_name / scep_check_cn);
 * organization: printable ASCII; challenge: anything else (never logged). */
scep_field_rc scep_req_set_name(scep_params *p, const void *v, size_t len);
scep_field_rc scep_req_set_hash(scep_params *p, int64_t v); /* 1..4 */
scep_field_rc scep_req_set_bits(scep_params *p, int64_t v); /* 1024/2048/3072/4096 */
scep_field_rc scep_req_set_org(scep_params *p, const void *v, size_t len);
scep_field_rc scep_req_set_cn(scep_params *p, const void *v, size_t len);
scep_field_rc scep_req_set_challenge(scep_params *p, const void *v, size_t len);
scep_field_rc scep_req_set_usage(scep_params *p, int64_t v); /* 1..4 */
/* The policy name; policies (NULL-terminated) when non-NULL: a non-empty
 * name must be one of them (else INCONSISTENT). */
scep_field_rc scep_req_set_policy(scep_params *p, const void *v, size_t len,
                                  const char *const *policies);
/* "" or one of policies: OK, else INCONSISTENT. */
scep_field_rc scep_req_check_policy(const char *policy, const char *const *policies);

/* ---- DateAndTime (SNMPv2-TC) ------------------------------------------- */
/* 8 (local time) or 11 octets -> time_t; -1 for an impossible date. */
time_t scep_dateandtime_parse(const unsigned char *in, size_t len);

/* ---- the schema ---------------------------------------------------------- */
/* The settings, in the order of the state file. */
typedef enum scep_field {
    SCEP_F_URL,
    SCEP_F_PORT,
    SCEP_F_TIMEOUT,
    SCEP_F_PIN,
    SCEP_F_SEEN,
    SCEP_F_AUTO_ENABLE,
    SCEP_F_AUTO_START,
    SCEP_F_AUTO_JITTER,
    SCEP_F_AUTO_POLL_COUNT,
    SCEP_F_AUTO_POLL_INTERVAL,
    SCEP_F_AUTO_INTERVAL,
    SCEP_F_AUTO_RESTART,
    SCEP_F_AUTO_DELETE_PREV,
    SCEP_F_AUTO_RENEW_DAYS,
    SCEP_F_AUTO_NAME,
    SCEP_F_AUTO_HASH,
    SCEP_F_AUTO_BITS,
    SCEP_F_AUTO_ORG,
    SCEP_F_AUTO_CN,
    SCEP_F_AUTO_USAGE,
    SCEP_F_AUTO_POLICY,
    SCEP_F_NOTIFY,
    SCEP_F_WARN_DAYS,
    SCEP_F_COUNT
} scep_field;

typedef enum scep_ftype {
    SCEP_FT_TEXT,     /* a string (octets), escaped in the text form */
    SCEP_FT_FPR,      /* a SHA-256 fingerprint, stored as 64 lowercase hex */
    SCEP_FT_DATETIME, /* DateAndTime octets, hex in the text form */
    SCEP_FT_UINT,     /* a number in [min, max] */
    SCEP_FT_ENUM,     /* an enumeration in [min, max] */
    SCEP_FT_BOOL      /* 0 or 1 */
} scep_ftype;

typedef struct scep_schema_field {
    const char *keyword; /* of the state file and the export */
    scep_ftype type;
    int64_t min, max; /* numbers: the range; strings: the length range */
    size_t offset;    /* of the value in scep_state */
    int exportable;   /* in an export (not caSeen) */
} scep_schema_field;

/* The row of a field, NULL for an out-of-range f. */
const scep_schema_field *scep_schema_field_of(scep_field f);
/* The field of a keyword (exact), -1 if none. */
int scep_schema_find(const char *keyword);

void scep_state_defaults(scep_state *s);
/* Set a string, fingerprint or DateAndTime field from raw octets (an
 * all-zero DateAndTime is "not set"). Setting the pin also replaces the
 * fingerprint recorded on first use, as a SET of scepcCaFingerprintPin does.
 * The IPsec policy is not checked against the configuration here
 * (scep_req_check_policy). WRONG_VALUE for a number field. */
scep_field_rc scep_state_set_text(scep_state *s, scep_field f, const void *v, size_t len);
/* Set a number, enumeration or boolean field. WRONG_VALUE for a string field. */
scep_field_rc scep_state_set_num(scep_state *s, scep_field f, int64_t v);

/* NULL when the automatic request may be enabled with state s (URL, key name,
 * CN set and valid; for usage ipsec one of policies, when non-NULL), else the
 * reason. */
const char *scep_auto_incomplete(const scep_state *s, const char *const *policies);
/* The start time as time_t, 0 when not set. */
time_t scep_auto_start_time(const scep_auto *a);

/* ---- text form, state file, export, import ------------------------------- */
/* The state as "keyword value" lines (malloc'd, *len set); for_export leaves
 * out what is not exportable (caSeen). Never the challenge. NULL: no memory. */
char *scep_state_format(const scep_state *s, int for_export, size_t *len);
/* Read state-file text over *s field by field: a line that breaks a rule
 * (unknown keyword, bad syntax, bad value, given twice) is refused with its
 * line number logged and the value in *s (the default) kept for that field. */
void scep_state_parse(scep_state *s, const char *text, size_t len);
/* dir/scepagentd.state (scep_state_parse) and the challenge from
 * dir/auto-challenge.secret. No state file: *s unchanged, SCEP_OK. */
scep_rc scep_state_load(const char *dir, scep_state *s, scep_error *e);
/* Write the whole state atomically (0600); the automatic request's challenge
 * goes to its own 0600 file (removed when empty). */
scep_rc scep_state_save(const char *dir, const scep_state *s, scep_error *e);
/* T5: the exportable settings to path, atomically (0600). */
scep_rc scep_state_export_file(const scep_state *s, const char *path, scep_error *e);
/* T5: apply an export (or a copy of the state file: caSeen is accepted and
 * ignored) over *s, all or nothing: every line must be a known keyword, once,
 * with a valid value, the IPsec policy one of policies (when non-NULL), and
 * an enabled timer needs a complete request (scep_auto_incomplete). On error
 * *s is unchanged and err has "line N: keyword: reason" (never the value). */
scep_rc scep_state_import(scep_state *s, const char *text, size_t len,
                          const char *const *policies, char *err, size_t errlen);
/* The same from a file: a regular file (no link, FIFO, device) of at most
 * SCEP_IMPORT_MAX octets, read without blocking. */
#define SCEP_IMPORT_MAX 65536
scep_rc scep_state_import_file(scep_state *s, const char *path, const char *const *policies,
                               char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* SCEP_SCHEMA_H */
