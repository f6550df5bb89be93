/*
 * mib_cfgcopy.c - scepcConfigCopy (SPEC.md T5, X2, X4): export and import of
 * the settings, as an action with a state object (CISCO-CONFIG-COPY-MIB).
 *
 * The file is a plain name inside the one directory of the local
 * configuration (exportDir, created 0700 when missing); SNMP never supplies a
 * path. The format is the "keyword value" lines of the agent's own state file
 * (state.c), written by a serializer of its own here because the state file
 * also holds what must not leave the host or is not a setting: the export has
 * every setting the MIB lists (scepcSettings writable objects, scepcAuto
 * without its challenge, scepcNotifyEnable, scepcKeyStoreWarnDays) and never
 * the challenge (it lives in its own 0600 file anyway) nor the fingerprint
 * recorded on first use (caSeen, not writable). An import takes such a file
 * (or a copy of the state file: a caSeen line is accepted and ignored),
 * checks every line with the same rules as the SNMP SETs, then the whole
 * result (enabling the timer needs a complete request, as scepcAutoEnable);
 * on any error nothing changes and scepcCfgState is failed(4) with the line
 * and keyword in scepcCfgErrorText (never the value).
 *
 * The action runs at COMMIT, synchronously: it is local file I/O of a few
 * hundred bytes (one read or one atomic write), not network I/O, so the SNMP
 * thread does not wait on anything slow (U3). Hence running(2) is never seen
 * from outside and the "while running" refusals of the MIB cannot happen.
 */
#include "config.h"

#include "agent.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

enum { COL_NAME = 1, COL_ACTION = 2, COL_STATE = 3, COL_ERROR = 4, COL_TIME = 5 };
enum { ACT_IDLE = 1, ACT_EXPORT = 2, ACT_IMPORT = 3 };
enum { CS_NONE = 1, CS_RUNNING = 2, CS_SUCCESSFUL = 3, CS_FAILED = 4 };

#define CFG_NAME_MAX 255
#define CFG_FILE_MAX 65536 /* an import larger than this is refused */

/* What the objects show (not persisted: the MIB says so for the file name). */
static struct {
    char name[CFG_NAME_MAX + 1];
    int state;
    char error[256];
    time_t when;
} C = {.state = CS_NONE};

/* This group's part of a SET PDU's stage (stage.c). */
typedef struct cfg_part {
    int name_set;
    char name[CFG_NAME_MAX + 1];
    int action;
    int applied;
    char saved_name[CFG_NAME_MAX + 1];
} cfg_part;

static void run(int action);

/* ACTION (after the state swap): the new file name shows. */
static void part_action(void *data)
{
    cfg_part *p = data;
    memcpy(p->saved_name, C.name, sizeof C.name);
    if (p->name_set)
        memcpy(C.name, p->name, sizeof C.name);
    p->applied = 1;
}

static void part_undo(void *data)
{
    cfg_part *p = data;
    if (p->applied)
        memcpy(C.name, p->saved_name, sizeof C.name);
}

/* COMMIT: the PDU's state is committed (and saved) first, then the action. */
static void part_commit(void *data)
{
    const cfg_part *p = data;
    if (p->applied && p->action)
        run(p->action);
}

static const agent_stage_part_ops cfg_ops = {.name = "scepcConfigCopy",
                                             .size = sizeof(cfg_part),
                                             .action = part_action,
                                             .undo = part_undo,
                                             .commit = part_commit};

int agent_cfg_name_valid(const char *name, size_t len)
{
    if (len < 1 || len > CFG_NAME_MAX || name[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return 0; /* '/' and NUL included */
        if (c == '.' && i + 1 < len && name[i + 1] == '.')
            return 0;
    }
    return 1;
}

/* ---- export ---------------------------------------------------------------- */

int agent_cfg_export(const agent_state *s, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *buf = agent_state_format(s, 1, &len); /* the same format as the state file */
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    scep_error e;
    scep_error_clear(&e);
    int rc = scep_write_file_atomic(path, buf, len, 0600, &e) == SCEP_OK ? 0 : -1;
    free(buf);
    if (rc)
        snprintf(err, errlen, "%s", e.text);
    return rc;
}

/* ---- import ---------------------------------------------------------------- */

/* Unescape (\n, \\) into dst of n bytes; -1 when too long or a bad escape. */
static int get_str(char *dst, size_t n, const char *v)
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
            return -1;
        dst[o++] = c;
    }
    dst[o] = 0;
    return 0;
}

static int get_uint(const char *v, unsigned long lo, unsigned long hi, unsigned *out)
{
    if (!isdigit((unsigned char)v[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int get_bool(const char *v, int *out)
{
    unsigned u;
    if (get_uint(v, 0, 1, &u))
        return -1;
    *out = (int)u;
    return 0;
}

static int get_start(agent_auto *a, const char *v)
{
    size_t n = strlen(v);
    unsigned char dt[11];
    if (n == 0) {
        memset(a->start, 0, sizeof a->start);
        a->start_len = 0;
        return 0;
    }
    if (n != 16 && n != 22)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        if (!isxdigit((unsigned char)v[2 * i]) || !isxdigit((unsigned char)v[2 * i + 1]))
            return -1;
        char hex[3] = {v[2 * i], v[2 * i + 1], 0};
        dt[i] = (unsigned char)strtoul(hex, NULL, 16);
    }
    return agent_auto_set_start(a, dt, n / 2) == SNMP_ERR_NOERROR ? 0 : -1;
}

static int get_name(char *dst, size_t n, const char *v, int is_cn)
{
    char buf[SCEP_CN_MAX + 1];
    if (get_str(buf, sizeof buf, v) || strlen(buf) >= n)
        return -1;
    if (buf[0] && (is_cn ? scep_check_cn(buf, strlen(buf), NULL)
                         : scep_check_name(buf, strlen(buf), NULL)) != SCEP_OK)
        return -1;
    memcpy(dst, buf, strlen(buf) + 1);
    return 0;
}

static int get_url(agent_state *s, const char *v)
{
    char buf[SCEP_URL_MAX + 1];
    if (get_str(buf, sizeof buf, v))
        return -1;
    if (buf[0] && scep_check_url(buf, strlen(buf), NULL) != SCEP_OK)
        return -1;
    memcpy(s->url, buf, sizeof s->url);
    return 0;
}

static int get_pin(agent_state *s, const char *v)
{
    char buf[96];
    if (get_str(buf, sizeof buf, v))
        return -1;
    size_t n = strlen(buf);
    if (n == 0) {
        s->ca_pin[0] = 0;
        return 0;
    }
    if ((n != 64 && n != 95) || scep_normalize_fpr(buf, n, s->ca_pin) != SCEP_OK)
        return -1;
    memcpy(s->ca_seen, s->ca_pin, sizeof s->ca_seen); /* as a SET of the pin does */
    return 0;
}

static int get_policy(agent_auto *a, const char *v)
{
    char buf[SCEP_POLICY_MAX + 1];
    if (get_str(buf, sizeof buf, v))
        return -1;
    if (buf[0] && !agent_conf_policy_known(&g_agent.conf, buf))
        return -1;
    memcpy(a->p.ipsec_policy, buf, sizeof buf);
    return 0;
}

/* The keywords of state.c's file, in its order. */
enum {
    K_URL,
    K_PORT,
    K_TIMEOUT,
    K_PIN,
    K_SEEN,
    K_ENABLE,
    K_START,
    K_JITTER,
    K_POLL_COUNT,
    K_POLL_INTERVAL,
    K_INTERVAL,
    K_RESTART,
    K_DELETE_PREV,
    K_RENEW_DAYS,
    K_KEY_NAME,
    K_HASH,
    K_BITS,
    K_ORG,
    K_CN,
    K_USAGE,
    K_POLICY,
    K_NOTIFY,
    K_WARN_DAYS,
    K_COUNT
};

static const char *const keywords[K_COUNT] = {
    [K_URL] = "serverUrl",
    [K_PORT] = "serverPort",
    [K_TIMEOUT] = "serverTimeout",
    [K_PIN] = "caPin",
    [K_SEEN] = "caSeen",
    [K_ENABLE] = "autoEnable",
    [K_START] = "autoStart",
    [K_JITTER] = "autoJitter",
    [K_POLL_COUNT] = "autoPollCount",
    [K_POLL_INTERVAL] = "autoPollInterval",
    [K_INTERVAL] = "autoInterval",
    [K_RESTART] = "autoRestart",
    [K_DELETE_PREV] = "autoDeletePrevious",
    [K_RENEW_DAYS] = "autoRenewDays",
    [K_KEY_NAME] = "autoKeyName",
    [K_HASH] = "autoHash",
    [K_BITS] = "autoBits",
    [K_ORG] = "autoOrganization",
    [K_CN] = "autoCommonName",
    [K_USAGE] = "autoUsage",
    [K_POLICY] = "autoIpsecPolicy",
    [K_NOTIFY] = "notifyEnable",
    [K_WARN_DAYS] = "expiryWarnDays",
};

/* One line into *s: 0, or -1 (the value is invalid). */
static int apply(agent_state *s, int k, const char *v)
{
    agent_auto *a = &s->autoreq;
    unsigned u;
    switch (k) {
    case K_URL:
        return get_url(s, v);
    case K_PORT:
        return get_uint(v, 0, 65535, &s->port);
    case K_TIMEOUT:
        return get_uint(v, SCEP_TIMEOUT_MIN, SCEP_TIMEOUT_MAX, &s->timeout);
    case K_PIN:
        return get_pin(s, v);
    case K_SEEN: /* caSeen: trust on first use is not a setting; ignored */
        return 0;
    case K_ENABLE:
        return get_bool(v, &a->enable);
    case K_START:
        return get_start(a, v);
    case K_JITTER:
        return get_bool(v, &a->jitter);
    case K_POLL_COUNT:
        return get_uint(v, 0, 1000, &a->poll_count);
    case K_POLL_INTERVAL:
        return get_uint(v, 1, 86400, &a->poll_interval);
    case K_INTERVAL:
        if (get_uint(v, 0, 0xffffffffUL, &u) || !agent_auto_interval_valid(u))
            return -1;
        a->interval = u;
        return 0;
    case K_RESTART:
        return get_bool(v, &a->restart);
    case K_DELETE_PREV:
        return get_bool(v, &a->delete_previous);
    case K_RENEW_DAYS:
        return get_uint(v, 0, 3650, &a->renew_days);
    case K_KEY_NAME:
        return get_name(a->p.name, sizeof a->p.name, v, 0);
    case K_HASH:
        if (get_uint(v, SCEP_HASH_SHA1, SCEP_HASH_SHA512, &u))
            return -1;
        a->p.hash = (scep_hash)u;
        return 0;
    case K_BITS:
        if (get_uint(v, 0, 0xffffffffUL, &u) || scep_check_bits((long)u, NULL) != SCEP_OK)
            return -1;
        a->p.bits = u;
        return 0;
    case K_ORG:
        if (get_str(a->p.org, sizeof a->p.org, v))
            return -1;
        return agent_printable(a->p.org) ? 0 : -1;
    case K_CN:
        return get_name(a->p.cn, sizeof a->p.cn, v, 1);
    case K_USAGE:
        if (get_uint(v, SCEP_USAGE_NONE, SCEP_USAGE_DOT1X, &u))
            return -1;
        a->p.usage = (scep_usage)u;
        return 0;
    case K_POLICY:
        return get_policy(a, v);
    case K_NOTIFY:
        return get_uint(v, 0, 0x1f, &s->notify_bits);
    case K_WARN_DAYS:
        return get_uint(v, 1, 365, &s->warn_days);
    }
    return -1;
}

/* The keyword for an error text: printable ASCII only, at most 32 characters. */
static void safe_word(char *dst, size_t n, const char *w)
{
    size_t o = 0;
    for (; *w && o + 1 < n && o < 32; w++)
        dst[o++] = isprint((unsigned char)*w) ? *w : '?';
    dst[o] = 0;
}

static int parse(agent_state *s, char *data, char *err, size_t errlen)
{
    char word[40];
    unsigned long seen = 0;
    int ln = 0;
    for (char *line = data, *next; line; line = next) {
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
        int k;
        for (k = 0; k < K_COUNT && strcmp(keywords[k], line) != 0; k++)
            ;
        if (k == K_COUNT) { /* not echoed: the file may be anything (X2) */
            snprintf(err, errlen, "line %d: unknown setting", ln);
            return -1;
        }
        safe_word(word, sizeof word, line);
        if (!sp) {
            snprintf(err, errlen, "line %d: %s: no value", ln, word);
            return -1;
        }
        if (seen & (1UL << k)) {
            snprintf(err, errlen, "line %d: %s: given twice", ln, word);
            return -1;
        }
        seen |= 1UL << k;
        if (apply(s, k, sp + 1) != 0) {
            snprintf(err, errlen, "line %d: %s: invalid value", ln, word);
            return -1;
        }
    }
    if (s->autoreq.enable) {
        const char *why = agent_auto_incomplete(s);
        if (why) {
            snprintf(err, errlen, "autoEnable: the timer cannot be enabled: %s", why);
            return -1;
        }
    }
    return 0;
}

int agent_cfg_import(agent_state *s, const char *path, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    scep_error e;
    scep_error_clear(&e);
    /* A regular file, not a link, FIFO or device: the SNMP thread must not
     * block on it, and nothing else may be read through it. */
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", fd < 0 ? strerror(errno) : "file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    if (scep_read_file(path, &data, &len, &e) != SCEP_OK) {
        snprintf(err, errlen, "%s", e.text);
        return -1;
    }
    int rc = -1;
    if (len > CFG_FILE_MAX) {
        snprintf(err, errlen, "file larger than %d octets", CFG_FILE_MAX);
    } else if (memchr(data, 0, len)) {
        snprintf(err, errlen, "not a text file (NUL octet)");
    } else {
        agent_state *ns = malloc(sizeof *ns);
        if (!ns) {
            snprintf(err, errlen, "out of memory");
        } else {
            *ns = *s;
            rc = parse(ns, data, err, errlen);
            if (rc == 0)
                *s = *ns;
            scep_wipe(ns, sizeof *ns); /* holds a copy of the auto challenge */
            free(ns);
        }
    }
    free(data);
    return rc;
}

/* ---- the action, at COMMIT ------------------------------------------------- */

static void run(int action)
{
    char path[PATH_MAX + CFG_NAME_MAX + 2];
    const char *dir = g_agent.conf.export_dir;
    C.state = CS_RUNNING;
    C.error[0] = 0;
    C.when = scep_now();
    snprintf(path, sizeof path, "%s/%s", dir, C.name);
    int rc;
    if (action == ACT_EXPORT) {
        if (agent_mkdir_p(dir, 0700) != 0) {
            snprintf(C.error, sizeof C.error, "mkdir %.160s: %.80s", dir, strerror(errno));
            rc = -1;
        } else {
            rc = agent_cfg_export(&g_agent.st, path, C.error, sizeof C.error);
        }
    } else {
        rc = agent_cfg_import(&g_agent.st, path, C.error, sizeof C.error);
        if (rc == 0 && agent_state_save(g_agent.conf.state_dir, &g_agent.st) != 0) {
            /* Applied but not saved: say so; the next SET saves it again. */
            snprintf(C.error, sizeof C.error,
                     "imported, but the state could not be saved in %.160s",
                     g_agent.conf.state_dir);
            rc = -1;
        }
    }
    C.state = rc == 0 ? CS_SUCCESSFUL : CS_FAILED;
    C.when = scep_now();
    if (rc == 0 && action == ACT_IMPORT)
        agent_autorun_changed(); /* the automatic settings may have changed */
    if (rc == 0)
        snmp_log(LOG_INFO, "settings %s %s\n",
                 action == ACT_EXPORT ? "exported to" : "imported from", path);
    else
        snmp_log(LOG_WARNING, "settings %s %s failed: %s\n",
                 action == ACT_EXPORT ? "export to" : "import from", path, C.error);
}

/* ---- handler ---------------------------------------------------------------- */

static void get_one(netsnmp_request_info *r, int col)
{
    static const unsigned char zero_dt[8];
    unsigned char dt[11];
    size_t n;
    switch (col) {
    case COL_NAME:
        agent_set_string(r, C.name);
        break;
    case COL_ACTION:
        agent_set_int(r, ASN_INTEGER, ACT_IDLE);
        break;
    case COL_STATE:
        agent_set_int(r, ASN_INTEGER, C.state);
        break;
    case COL_ERROR:
        agent_set_string(r, C.error);
        break;
    case COL_TIME:
        n = C.when > 0 ? agent_dateandtime(C.when, dt) : 0;
        if (n)
            agent_set_octets(r, dt, n);
        else
            agent_set_octets(r, zero_dt, sizeof zero_dt);
        break;
    default:
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
    }
}

static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    int err;
    cfg_part *p = agent_stage_part(stg, &cfg_ops);
    if (!p)
        return SNMP_ERR_RESOURCEUNAVAILABLE;
    switch (col) {
    case COL_NAME:
        if ((err = agent_check_string(v, 0, CFG_NAME_MAX)))
            return err;
        if (v->val_len && !agent_cfg_name_valid((const char *)v->val.string, v->val_len))
            return SNMP_ERR_WRONGVALUE;
        agent_copy_string(v, p->name, sizeof p->name);
        p->name_set = 1;
        return SNMP_ERR_NOERROR;
    case COL_ACTION:
        if ((err = agent_check_int(v, ACT_IDLE, ACT_IMPORT)))
            return err;
        if (*v->val.integer != ACT_IDLE)
            p->action = (int)*v->val.integer;
        return SNMP_ERR_NOERROR;
    default:
        return SNMP_ERR_NOTWRITABLE;
    }
}

static int reserve2(const agent_stage *stg, const netsnmp_variable_list *v, int col)
{
    (void)v;
    const char *why = NULL;
    const cfg_part *p = agent_stage_find_part(stg, &cfg_ops);
    if (C.state == CS_RUNNING)
        why = "an export or import is running";
    else if (col == COL_ACTION && p && p->action) {
        const char *name = p->name_set ? p->name : C.name;
        if (!name[0])
            why = "scepcCfgFileName is empty";
        else if (p->action == ACT_IMPORT && stg->st.autoreq.enable)
            why = "import refused while the automatic timer is enabled";
    }
    if (why) {
        DEBUGMSGTL(("scepagentd/cfgcopy", "column %d refused: %s\n", col, why));
        return SNMP_ERR_INCONSISTENTVALUE;
    }
    return SNMP_ERR_NOERROR;
}

void mib_cfgcopy_init(void)
{
    static const agent_scalars g = {.name = "scepcConfigCopy",
                                    .arc = 6,
                                    .first = COL_NAME,
                                    .last = COL_TIME,
                                    .get = get_one,
                                    .reserve1 = reserve1,
                                    .reserve2 = reserve2};
    agent_register_scalars(&g);
}
