/*
 * schema.c - the persisted and exportable settings (scep-schema.h): the table of
 * their rules, the setters, the "keyword value" text form, the state file
 * (DESIGN.md section 4) and the export / import of scepcConfigCopy (T5).
 *
 * One table, one rule per keyword: the state file is read field by field (a
 * line that breaks a rule is refused with its line number logged, and the
 * default stays for that field); an import is all or nothing with "line N:
 * keyword: reason" (never the value); SNMP SETs use the same setters.
 *
 * Files: the state file and the challenge file are written whole, temp +
 * fsync + rename + directory fsync (scep_write_file_atomic), mode 0600. The
 * automatic request's challenge lives in auto-challenge.secret and nowhere
 * else (A7, X2): never in the state text nor in an export.
 */
#include "config.h"

#include "scep-int.h"
#include "scep-schema.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FILE  "scepagentd.state"
#define SECRET_FILE "auto-challenge.secret"

#define OFF(m)        offsetof(scep_state, m)
#define U32MAX        0xffffffffLL
#define FPR_COLON_LEN (SCEP_FPR_HEX_LEN / 2 * 3 - 1) /* "AA:BB:..." */

/* The rules. Beyond the range: autoInterval is 0 or 60.. (A4), autoBits one
 * of 1024/2048/3072/4096, serverUrl a valid URL, caPin / caSeen 0, 64 or 95
 * characters of a SHA-256 fingerprint, autoStart a possible date (8 or 11
 * octets), the request parameters as scep_req_set_* say. */
static const scep_schema_field schema[SCEP_F_COUNT] = {
    [SCEP_F_URL] = {"serverUrl", SCEP_FT_TEXT, 0, SCEP_URL_MAX, OFF(url), 1},
    [SCEP_F_PORT] = {"serverPort", SCEP_FT_UINT, 0, 65535, OFF(port), 1},
    [SCEP_F_TIMEOUT] = {"serverTimeout", SCEP_FT_UINT, SCEP_TIMEOUT_MIN, SCEP_TIMEOUT_MAX,
                        OFF(timeout), 1},
    [SCEP_F_PIN] = {"caPin", SCEP_FT_FPR, 0, FPR_COLON_LEN, OFF(ca_pin), 1},
    [SCEP_F_SEEN] = {"caSeen", SCEP_FT_FPR, 0, FPR_COLON_LEN, OFF(ca_seen), 0},
    [SCEP_F_AUTO_ENABLE] = {"autoEnable", SCEP_FT_BOOL, 0, 1, OFF(autoreq.enable), 1},
    [SCEP_F_AUTO_START] = {"autoStart", SCEP_FT_DATETIME, 8, 11, OFF(autoreq.start), 1},
    [SCEP_F_AUTO_JITTER] = {"autoJitter", SCEP_FT_BOOL, 0, 1, OFF(autoreq.jitter), 1},
    [SCEP_F_AUTO_POLL_COUNT] = {"autoPollCount", SCEP_FT_UINT, 0, 1000,
                                OFF(autoreq.poll_count), 1},
    [SCEP_F_AUTO_POLL_INTERVAL] = {"autoPollInterval", SCEP_FT_UINT, 1, 86400,
                                   OFF(autoreq.poll_interval), 1},
    [SCEP_F_AUTO_INTERVAL] = {"autoInterval", SCEP_FT_UINT, 0, U32MAX,
                              OFF(autoreq.interval), 1},
    [SCEP_F_AUTO_RESTART] = {"autoRestart", SCEP_FT_BOOL, 0, 1, OFF(autoreq.restart), 1},
    [SCEP_F_AUTO_DELETE_PREV] = {"autoDeletePrevious", SCEP_FT_BOOL, 0, 1,
                                 OFF(autoreq.delete_previous), 1},
    [SCEP_F_AUTO_RENEW_DAYS] = {"autoRenewDays", SCEP_FT_UINT, 0, 3650,
                                OFF(autoreq.renew_days), 1},
    [SCEP_F_AUTO_NAME] = {"autoKeyName", SCEP_FT_TEXT, 0, SCEP_NAME_MAX,
                          OFF(autoreq.p.name), 1},
    [SCEP_F_AUTO_HASH] = {"autoHash", SCEP_FT_ENUM, SCEP_HASH_SHA1, SCEP_HASH_SHA512,
                          OFF(autoreq.p.hash), 1},
    [SCEP_F_AUTO_BITS] = {"autoBits", SCEP_FT_UINT, 1024, 4096, OFF(autoreq.p.bits), 1},
    [SCEP_F_AUTO_ORG] = {"autoOrganization", SCEP_FT_TEXT, 0, SCEP_ORG_MAX,
                         OFF(autoreq.p.org), 1},
    [SCEP_F_AUTO_CN] = {"autoCommonName", SCEP_FT_TEXT, 0, SCEP_CN_MAX, OFF(autoreq.p.cn),
                        1},
    [SCEP_F_AUTO_USAGE] = {"autoUsage", SCEP_FT_ENUM, SCEP_USAGE_NONE, SCEP_USAGE_DOT1X,
                           OFF(autoreq.p.usage), 1},
    [SCEP_F_AUTO_POLICY] = {"autoIpsecPolicy", SCEP_FT_TEXT, 0, SCEP_POLICY_MAX,
                            OFF(autoreq.p.ipsec_policy), 1},
    [SCEP_F_NOTIFY] = {"notifyEnable", SCEP_FT_UINT, 0, 0x1f, OFF(notify_bits), 1},
    [SCEP_F_WARN_DAYS] = {"expiryWarnDays", SCEP_FT_UINT, 1, 365, OFF(warn_days), 1},
};

const scep_schema_field *scep_schema_field_of(scep_field f)
{
    return (int)f >= 0 && f < SCEP_F_COUNT ? &schema[f] : NULL;
}

int scep_schema_find(const char *keyword)
{
    for (int f = 0; f < SCEP_F_COUNT; f++)
        if (strcmp(schema[f].keyword, keyword) == 0)
            return f;
    return -1;
}

void scep_state_defaults(scep_state *s)
{
    memset(s, 0, sizeof *s);
    s->timeout = SCEP_TIMEOUT_DEFAULT;
    s->autoreq.poll_count = 3;
    s->autoreq.poll_interval = 300;
    s->autoreq.jitter = 1;
    scep_params_init(&s->autoreq.p);
    s->notify_bits = 0x1f; /* every notification on */
    s->warn_days = 30;
}

/* ---- setters --------------------------------------------------------------- */

static int all_zero(const unsigned char *p, size_t n)
{
    int z = 1;
    for (size_t i = 0; i < n; i++)
        z &= p[i] == 0;
    return z;
}

static scep_field_rc set_start(scep_auto *a, const unsigned char *dt, size_t len)
{
    int unset = all_zero(dt, len);
    if (!unset && scep_dateandtime_parse(dt, len) == (time_t)-1)
        return SCEP_FIELD_WRONG_VALUE;
    memset(a->start, 0, sizeof a->start);
    a->start_len = 0; /* the all-zero default: reads back as 8 zero octets */
    if (!unset) {
        memcpy(a->start, dt, len);
        a->start_len = len;
    }
    return SCEP_FIELD_OK;
}

static scep_field_rc set_text(scep_state *s, scep_field f, const void *v, size_t len,
                              const char *const *policies)
{
    const scep_schema_field *d = scep_schema_field_of(f);
    scep_auto *a = &s->autoreq;
    char *dst;
    if (!d ||
        (d->type != SCEP_FT_TEXT && d->type != SCEP_FT_FPR && d->type != SCEP_FT_DATETIME))
        return SCEP_FIELD_WRONG_VALUE;
    if ((int64_t)len > d->max || (int64_t)len < d->min)
        return SCEP_FIELD_WRONG_LENGTH;
    if (len && !v)
        return SCEP_FIELD_WRONG_VALUE;
    dst = (char *)s + d->offset;
    switch (f) {
    case SCEP_F_AUTO_START:
        if (len != 8 && len != 11)
            return SCEP_FIELD_WRONG_LENGTH;
        return set_start(a, v, len);
    case SCEP_F_AUTO_NAME:
        return scep_req_set_name(&a->p, v, len);
    case SCEP_F_AUTO_ORG:
        return scep_req_set_org(&a->p, v, len);
    case SCEP_F_AUTO_CN:
        return scep_req_set_cn(&a->p, v, len);
    case SCEP_F_AUTO_POLICY:
        return scep_req_set_policy(&a->p, v, len, policies);
    case SCEP_F_PIN:
    case SCEP_F_SEEN: {
        char out[SCEP_FPR_HEX_LEN + 1] = "";
        if (len != 0 && len != SCEP_FPR_HEX_LEN && len != FPR_COLON_LEN)
            return SCEP_FIELD_WRONG_LENGTH;
        if (scep_normalize_fpr(v, len, out) != SCEP_OK)
            return SCEP_FIELD_WRONG_VALUE;
        /* The pin never becomes the fingerprint seen (caSeen): clearing a
         * mistyped pin must return to what was really seen (issue 9). */
        memcpy(dst, out, sizeof out);
        return SCEP_FIELD_OK;
    }
    case SCEP_F_URL:
        if (len && (memchr(v, 0, len) || scep_check_url(v, len, NULL) != SCEP_OK))
            return SCEP_FIELD_WRONG_VALUE;
        memset(dst, 0, (size_t)d->max + 1);
        if (len)
            memcpy(dst, v, len);
        return SCEP_FIELD_OK;
    default:
        return SCEP_FIELD_WRONG_VALUE;
    }
}

scep_field_rc scep_state_set_text(scep_state *s, scep_field f, const void *v, size_t len)
{
    return set_text(s, f, v, len, NULL);
}

scep_field_rc scep_state_set_num(scep_state *s, scep_field f, int64_t v)
{
    const scep_schema_field *d = scep_schema_field_of(f);
    if (!d ||
        (d->type != SCEP_FT_UINT && d->type != SCEP_FT_ENUM && d->type != SCEP_FT_BOOL))
        return SCEP_FIELD_WRONG_VALUE;
    if (v < d->min || v > d->max)
        return SCEP_FIELD_WRONG_VALUE;
    switch (f) {
    case SCEP_F_AUTO_HASH:
        return scep_req_set_hash(&s->autoreq.p, v);
    case SCEP_F_AUTO_USAGE:
        return scep_req_set_usage(&s->autoreq.p, v);
    case SCEP_F_AUTO_BITS:
        return scep_req_set_bits(&s->autoreq.p, v);
    case SCEP_F_AUTO_INTERVAL:
        if (v != 0 && v < 60) /* A4: 0 (once) or at least a minute */
            return SCEP_FIELD_WRONG_VALUE;
        break;
    default:
        break;
    }
    if (d->type == SCEP_FT_BOOL)
        *(int *)(void *)((char *)s + d->offset) = (int)v;
    else
        *(unsigned *)(void *)((char *)s + d->offset) = (unsigned)v;
    return SCEP_FIELD_OK;
}

static int64_t get_num(const scep_state *s, scep_field f)
{
    const scep_schema_field *d = &schema[f];
    const char *p = (const char *)s + d->offset;
    if (f == SCEP_F_AUTO_HASH)
        return (int64_t)s->autoreq.p.hash;
    if (f == SCEP_F_AUTO_USAGE)
        return (int64_t)s->autoreq.p.usage;
    if (d->type == SCEP_FT_BOOL)
        return *(const int *)(const void *)p ? 1 : 0;
    return (int64_t) * (const unsigned *)(const void *)p;
}

const char *scep_auto_incomplete(const scep_state *s, const char *const *policies)
{
    const scep_auto *a = &s->autoreq;
    if (!s->url[0])
        return "scepcServerUrl is empty";
    if (!a->p.name[0] || scep_check_name(a->p.name, strlen(a->p.name), NULL) != SCEP_OK)
        return "scepcAutoKeyName is empty or invalid";
    if (!a->p.cn[0] || scep_check_cn(a->p.cn, strlen(a->p.cn), NULL) != SCEP_OK)
        return "scepcAutoCommonName is empty or invalid";
    if (a->p.usage == SCEP_USAGE_IPSEC &&
        (!a->p.ipsec_policy[0] ||
         scep_req_check_policy(a->p.ipsec_policy, policies) != SCEP_FIELD_OK))
        return "scepcAutoUsage is ipsec and scepcAutoIpsecPolicy is not a configured "
               "policy";
    return NULL;
}

time_t scep_auto_start_time(const scep_auto *a)
{
    if (a->start_len != 8 && a->start_len != 11)
        return 0;
    time_t t = scep_dateandtime_parse(a->start, a->start_len);
    return t == (time_t)-1 ? 0 : t;
}

/* ---- text form ------------------------------------------------------------- */

static void put_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, "%s ", key);
    for (; *v; v++) {
        if (*v == '\n')
            fputs("\\n", f);
        else if (*v == '\\')
            fputs("\\\\", f);
        else
            fputc(*v, f);
    }
    fputc('\n', f);
}

char *scep_state_format(const scep_state *s, int for_export, size_t *lenp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs(for_export ? "# scepagentd settings export (SCEP-CLIENT-MIB scepcConfigCopy); "
                       "no challenge password, key or certificate\n"
                     : "# scepagentd state: written by the agent on every SET, do not "
                       "edit while it runs\n",
          f);
    for (int k = 0; k < SCEP_F_COUNT; k++) {
        const scep_schema_field *d = &schema[k];
        char hex[2 * sizeof s->autoreq.start + 1] = "";
        if (for_export && !d->exportable)
            continue; /* caSeen: what this host saw first is not a setting to copy */
        switch (d->type) {
        case SCEP_FT_TEXT:
        case SCEP_FT_FPR:
            put_str(f, d->keyword, (const char *)s + d->offset);
            break;
        case SCEP_FT_DATETIME:
            if (s->autoreq.start_len == 8 || s->autoreq.start_len == 11)
                scep_hex(s->autoreq.start, s->autoreq.start_len, 0, 0, hex, sizeof hex);
            fprintf(f, "%s %s\n", d->keyword, hex);
            break;
        default:
            fprintf(f, "%s %lld\n", d->keyword, (long long)get_num(s, (scep_field)k));
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *lenp = len;
    return buf;
}

/* Unescape (\n, \\) into dst[n]; 0, -1 for a bad escape, -2 when too long. */
static int unescape(char *dst, size_t n, const char *v, size_t *outlen)
{
    size_t o = 0;
    for (; *v; v++) {
        char c = *v;
        if (c == '\\') {
            v++;
            if (*v == 'n')
                c = '\n';
            else if (*v == '\\')
                c = '\\';
            else
                return -1;
        }
        if (o + 1 >= n)
            return -2;
        dst[o++] = c;
    }
    dst[o] = 0;
    *outlen = o;
    return 0;
}

/* A decimal number without sign or junk; -1 if not one. */
static int decimal(const char *v, int64_t *out)
{
    if (!isdigit((unsigned char)v[0]) || strlen(v) > 18)
        return -1;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

/* The text value v of field f into *s; *why gets the reason on failure. */
static int parse_value(scep_state *s, scep_field f, const char *v,
                       const char *const *policies, const char **why)
{
    const scep_schema_field *d = &schema[f];
    char buf[SCEP_URL_MAX + 2];
    unsigned char dt[11];
    size_t n = 0;
    int64_t x;
    scep_field_rc rc;
    switch (d->type) {
    case SCEP_FT_TEXT:
    case SCEP_FT_FPR:
        switch (unescape(buf, sizeof buf, v, &n)) {
        case -1:
            *why = "bad escape";
            return -1;
        case -2:
            rc = SCEP_FIELD_WRONG_LENGTH;
            break;
        default:
            rc = set_text(s, f, buf, n, policies);
        }
        break;
    case SCEP_FT_DATETIME:
        n = strlen(v);
        if (n == 0) { /* not set */
            memset(s->autoreq.start, 0, sizeof s->autoreq.start);
            s->autoreq.start_len = 0;
            return 0;
        }
        if (n != 16 && n != 22) {
            rc = SCEP_FIELD_WRONG_LENGTH;
            break;
        }
        if (scep_unhex(v, 0, dt, sizeof dt, &n) != SCEP_OK) {
            *why = "not hexadecimal";
            return -1;
        }
        rc = set_text(s, f, dt, n, policies);
        break;
    default:
        if (decimal(v, &x) != 0) {
            *why = "not a number";
            return -1;
        }
        rc = scep_state_set_num(s, f, x);
    }
    if (rc == SCEP_FIELD_OK)
        return 0;
    *why = rc == SCEP_FIELD_INCONSISTENT && f == SCEP_F_AUTO_POLICY
               ? "not a configured IPsec policy"
               : scep_field_rc_text(rc);
    return -1;
}

/* The keyword for a message: printable ASCII only, at most 32 characters. */
static void safe_word(char *dst, size_t n, const char *w)
{
    size_t o = 0;
    for (; *w && o + 1 < n && o < 32; w++)
        dst[o++] = isprint((unsigned char)*w) ? *w : '?';
    dst[o] = 0;
}

/* Every "keyword value" line of data (modified) into *s. strict (import):
 * stop at the first error with it in err, caSeen ignored, the pin replaces
 * the fingerprint seen; else (state file) log the error and go on. */
static int parse_lines(scep_state *s, char *data, const char *const *policies, int strict,
                       char *err, size_t errlen)
{
    char word[40], msg[160];
    unsigned long long seen = 0;
    int ln = 0, rc = 0;
    for (char *line = data, *next; line; line = next) {
        const char *why = NULL;
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        ln++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = 0;
        if (n == 0 || line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        if (sp)
            *sp = 0;
        int k = scep_schema_find(line);
        safe_word(word, sizeof word, line);
        if (k < 0) /* not echoed in an import: the file may be anything (X2) */
            snprintf(msg, sizeof msg, "line %d: unknown setting", ln);
        else if (!sp)
            why = "no value";
        else if (seen & (1ULL << k))
            why = "given twice";
        else if (!(strict && k == SCEP_F_SEEN)) /* caSeen: TOFU is not a setting */
            parse_value(s, (scep_field)k, sp + 1, policies, &why);
        if (k >= 0)
            seen |= 1ULL << k;
        if (k >= 0 && !why)
            continue;
        if (why)
            snprintf(msg, sizeof msg, "line %d: %s: %s", ln, word, why);
        if (strict) {
            snprintf(err, errlen, "%s", msg);
            return -1;
        }
        scep_log(SCEP_LOG_WARNING, "state file %s; %s", msg,
                 k < 0 ? "ignored" : "the default is kept");
        rc = -1;
    }
    return rc;
}

void scep_state_parse(scep_state *s, const char *text, size_t len)
{
    char *data = malloc(len + 1);
    if (!data) {
        scep_log(SCEP_LOG_ERR, "state file: out of memory, the defaults are kept");
        return;
    }
    memcpy(data, text, len);
    data[len] = 0;
    if (memchr(data, 0, len))
        scep_log(SCEP_LOG_WARNING, "state file: NUL octet, what follows it is ignored");
    parse_lines(s, data, NULL, 0, NULL, 0);
    free(data);
}

/* ---- the state file -------------------------------------------------------- */

scep_rc scep_state_load(const char *dir, scep_state *s, scep_error *e)
{
    char path[PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    scep_rc rc;
    snprintf(path, sizeof path, "%s/%s", dir, STATE_FILE);
    if (access(path, F_OK) != 0)
        return SCEP_OK; /* first start: defaults */
    rc = scep_read_file(path, &data, &len, e);
    if (rc)
        return rc;
    scep_state_parse(s, data, len);
    free(data);

    snprintf(path, sizeof path, "%s/%s", dir, SECRET_FILE);
    if (access(path, F_OK) != 0)
        return SCEP_OK;
    rc = scep_read_file(path, &data, &len, e);
    if (rc)
        return rc;
    scep_field_rc frc = scep_req_set_challenge(&s->autoreq.p, data, len);
    if (frc != SCEP_FIELD_OK) /* never the value (X2) */
        scep_log(SCEP_LOG_WARNING, "%s: %s, the challenge is not set", path,
                 scep_field_rc_text(frc));
    scep_wipe(data, len);
    free(data);
    return SCEP_OK;
}

scep_rc scep_state_save(const char *dir, const scep_state *s, scep_error *e)
{
    char path[PATH_MAX];
    size_t len = 0;
    char *buf = scep_state_format(s, 0, &len);
    if (!buf)
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/%s", dir, STATE_FILE);
    scep_rc rc = scep_write_file_atomic(path, buf, len, 0600, e);
    free(buf);
    if (rc)
        return rc;
    const char *ch = s->autoreq.p.challenge;
    snprintf(path, sizeof path, "%s/%s", dir, SECRET_FILE);
    if (ch[0])
        return scep_write_file_atomic(path, ch, strnlen(ch, SCEP_CHALLENGE_MAX), 0600, e);
    if (unlink(path) != 0 && errno != ENOENT)
        return scep_error_set(e, SCEP_E_IO, "cannot remove %s: %s", path, strerror(errno));
    return SCEP_OK;
}

/* ---- export and import (T5) ------------------------------------------------ */

scep_rc scep_state_export_file(const scep_state *s, const char *path, scep_error *e)
{
    size_t len = 0;
    char *buf = scep_state_format(s, 1, &len);
    if (!buf)
        return scep_error_set(e, SCEP_E_NOMEM, "out of memory");
    scep_rc rc = scep_write_file_atomic(path, buf, len, 0600, e);
    free(buf);
    return rc;
}

scep_rc scep_state_import(scep_state *s, const char *text, size_t len,
                          const char *const *policies, char *err, size_t errlen)
{
    if (len > SCEP_IMPORT_MAX) {
        snprintf(err, errlen, "file larger than %d octets", SCEP_IMPORT_MAX);
        return SCEP_E_INVALID;
    }
    if (memchr(text, 0, len)) {
        snprintf(err, errlen, "not a text file (NUL octet)");
        return SCEP_E_INVALID;
    }
    scep_state *ns = malloc(sizeof *ns);
    char *data = malloc(len + 1);
    scep_rc rc = SCEP_E_INVALID;
    if (!ns || !data) {
        snprintf(err, errlen, "out of memory");
        rc = SCEP_E_NOMEM;
        goto out;
    }
    memcpy(data, text, len);
    data[len] = 0;
    *ns = *s;
    if (parse_lines(ns, data, policies, 1, err, errlen) != 0)
        goto out;
    const char *why = ns->autoreq.enable ? scep_auto_incomplete(ns, policies) : NULL;
    if (why) {
        snprintf(err, errlen, "autoEnable: the timer cannot be enabled: %s", why);
        goto out;
    }
    *s = *ns;
    rc = SCEP_OK;
out:
    if (ns) {
        scep_wipe(ns, sizeof *ns); /* holds a copy of the auto challenge */
        free(ns);
    }
    free(data);
    return rc;
}

scep_rc scep_state_import_file(scep_state *s, const char *path, const char *const *policies,
                               char *err, size_t errlen)
{
    /* A regular file, not a link, FIFO or device: the caller (the SNMP
     * thread) must not block on it, and nothing else may be read through it. */
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", fd < 0 ? strerror(errno) : "file");
        if (fd >= 0)
            close(fd);
        return SCEP_E_IO;
    }
    char *buf = malloc(SCEP_IMPORT_MAX + 1);
    size_t len = 0;
    ssize_t r = 0;
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return SCEP_E_NOMEM;
    }
    while (len <= SCEP_IMPORT_MAX &&
           ((r = read(fd, buf + len, SCEP_IMPORT_MAX + 1 - len)) > 0 ||
            (r < 0 && errno == EINTR)))
        len += r > 0 ? (size_t)r : 0;
    close(fd);
    scep_rc rc;
    if (r < 0) {
        snprintf(err, errlen, "read: %s", strerror(errno));
        rc = SCEP_E_IO;
    } else {
        rc = scep_state_import(s, buf, len, policies, err, errlen);
    }
    free(buf);
    return rc;
}
