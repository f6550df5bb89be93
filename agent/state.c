/*
 * state.c - what SNMP writes and the agent keeps across restarts (DESIGN.md
 * section 4): the server settings, the automatic request, the notification
 * switches. Written whole on every change (temp + fsync + rename + dir fsync),
 * in "keyword value" lines a person can read. The automatic request's
 * challenge lives in its own 0600 file and nowhere else (A7, X2). The manual
 * request is never saved (M11).
 */
#include "config.h"

#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FILE  "scepagentd.state"
#define SECRET_FILE "auto-challenge.secret"

void agent_state_defaults(agent_state *s)
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

static void path_of(char *buf, size_t n, const char *dir, const char *file)
{
    snprintf(buf, n, "%s/%s", dir, file);
}

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

char *agent_state_format(const agent_state *s, int for_export, size_t *lenp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    const agent_auto *a = &s->autoreq;
    fprintf(f, for_export
                   ? "# scepagentd settings export (SCEP-CLIENT-MIB scepcConfigCopy); "
                     "no challenge password, key or certificate\n"
                   : "# scepagentd state: written by the agent on every SET, do not "
                     "edit while it runs\n");
    put_str(f, "serverUrl", s->url);
    fprintf(f, "serverPort %u\nserverTimeout %u\n", s->port, s->timeout);
    put_str(f, "caPin", s->ca_pin);
    if (!for_export) /* what this host saw first: not a setting to copy */
        put_str(f, "caSeen", s->ca_seen);
    fprintf(f, "autoEnable %d\nautoStart ", a->enable ? 1 : 0);
    for (size_t i = 0; i < a->start_len && i < sizeof a->start; i++)
        fprintf(f, "%02x", a->start[i]);
    fprintf(f,
            "\nautoJitter %d\nautoPollCount %u\nautoPollInterval %u\nautoInterval %u\n"
            "autoRestart %d\nautoDeletePrevious %d\nautoRenewDays %u\n",
            a->jitter ? 1 : 0, a->poll_count, a->poll_interval, a->interval,
            a->restart ? 1 : 0, a->delete_previous ? 1 : 0, a->renew_days);
    put_str(f, "autoKeyName", a->p.name);
    fprintf(f, "autoHash %d\nautoBits %u\n", (int)a->p.hash, a->p.bits);
    put_str(f, "autoOrganization", a->p.org);
    put_str(f, "autoCommonName", a->p.cn);
    fprintf(f, "autoUsage %d\n", (int)a->p.usage);
    put_str(f, "autoIpsecPolicy", a->p.ipsec_policy);
    fprintf(f, "notifyEnable %u\nexpiryWarnDays %u\n", s->notify_bits, s->warn_days);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *lenp = len;
    return buf;
}

int agent_state_save(const char *dir, const agent_state *s)
{
    size_t len = 0;
    char *buf = agent_state_format(s, 0, &len);
    if (!buf)
        return -1;
    const agent_auto *a = &s->autoreq;
    char path[PATH_MAX];
    scep_error e;
    scep_error_clear(&e);
    path_of(path, sizeof path, dir, STATE_FILE);
    int rc = scep_write_file_atomic(path, buf, len, 0600, &e) == SCEP_OK ? 0 : -1;
    free(buf);
    if (rc == 0) {
        path_of(path, sizeof path, dir, SECRET_FILE);
        if (a->p.challenge[0])
            rc = scep_write_file_atomic(path, a->p.challenge, strlen(a->p.challenge), 0600,
                                        &e) == SCEP_OK
                     ? 0
                     : -1;
        else if (unlink(path) != 0 && errno != ENOENT)
            rc = -1;
    }
    if (rc)
        snmp_log(LOG_ERR, "cannot save the agent state in %s: %s\n", dir, e.text);
    return rc;
}

static void get_str(char *dst, size_t n, const char *v)
{
    size_t o = 0;
    for (; *v && o + 1 < n; v++) {
        if (*v == '\\' && v[1]) {
            v++;
            dst[o++] = *v == 'n' ? '\n' : *v;
        } else {
            dst[o++] = *v;
        }
    }
    dst[o] = 0;
}

static void get_hex(agent_auto *a, const char *v)
{
    size_t n = strlen(v) / 2;
    if (n != 0 && n != 8 && n != 11)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1)
            return;
        a->start[i] = (unsigned char)x;
    }
    a->start_len = n;
}

static void apply(agent_state *s, const char *k, const char *v)
{
    agent_auto *a = &s->autoreq;
    unsigned long u = strtoul(v, NULL, 10);
#define K(name) (strcmp(k, name) == 0)
    if (K("serverUrl"))
        get_str(s->url, sizeof s->url, v);
    else if (K("serverPort"))
        s->port = u <= 65535 ? (unsigned)u : 0;
    else if (K("serverTimeout"))
        s->timeout = u >= SCEP_TIMEOUT_MIN && u <= SCEP_TIMEOUT_MAX ? (unsigned)u
                                                                    : SCEP_TIMEOUT_DEFAULT;
    else if (K("caPin"))
        get_str(s->ca_pin, sizeof s->ca_pin, v);
    else if (K("caSeen"))
        get_str(s->ca_seen, sizeof s->ca_seen, v);
    else if (K("autoEnable"))
        a->enable = u != 0;
    else if (K("autoStart"))
        get_hex(a, v);
    else if (K("autoJitter"))
        a->jitter = u != 0;
    else if (K("autoPollCount"))
        a->poll_count = (unsigned)u;
    else if (K("autoPollInterval"))
        a->poll_interval = (unsigned)u;
    else if (K("autoInterval"))
        a->interval = (unsigned)u;
    else if (K("autoRestart"))
        a->restart = u != 0;
    else if (K("autoDeletePrevious"))
        a->delete_previous = u != 0;
    else if (K("autoRenewDays"))
        a->renew_days = (unsigned)u;
    else if (K("autoKeyName"))
        get_str(a->p.name, sizeof a->p.name, v);
    else if (K("autoHash"))
        a->p.hash = u >= 1 && u <= 4 ? (scep_hash)u : SCEP_HASH_SHA256;
    else if (K("autoBits"))
        a->p.bits = scep_check_bits((long)u, NULL) == SCEP_OK ? (unsigned)u : 2048;
    else if (K("autoOrganization"))
        get_str(a->p.org, sizeof a->p.org, v);
    else if (K("autoCommonName"))
        get_str(a->p.cn, sizeof a->p.cn, v);
    else if (K("autoUsage"))
        a->p.usage = u >= 1 && u <= 4 ? (scep_usage)u : SCEP_USAGE_NONE;
    else if (K("autoIpsecPolicy"))
        get_str(a->p.ipsec_policy, sizeof a->p.ipsec_policy, v);
    else if (K("notifyEnable"))
        s->notify_bits = (unsigned)u & 0x1f;
    else if (K("expiryWarnDays"))
        s->warn_days = u >= 1 && u <= 365 ? (unsigned)u : 30;
    else
        snmp_log(LOG_WARNING, "state: unknown keyword \"%s\" ignored\n", k);
#undef K
}

int agent_state_load(const char *dir, agent_state *s)
{
    char path[PATH_MAX];
    path_of(path, sizeof path, dir, STATE_FILE);
    char *data = NULL;
    size_t len = 0;
    scep_error e;
    scep_error_clear(&e);
    if (access(path, F_OK) != 0)
        return 0; /* first start: defaults */
    if (scep_read_file(path, &data, &len, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "cannot read %s: %s\n", path, e.text);
        return -1;
    }
    for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = 0;
        apply(s, line, sp + 1);
    }
    free(data);
    /* Values that no longer pass validation fall back to "not set". */
    if (s->url[0] && scep_check_url(s->url, strlen(s->url), NULL) != SCEP_OK)
        s->url[0] = 0;
    if (s->ca_pin[0] &&
        scep_check_fingerprint(s->ca_pin, strlen(s->ca_pin), NULL) != SCEP_OK)
        s->ca_pin[0] = 0;

    path_of(path, sizeof path, dir, SECRET_FILE);
    if (access(path, F_OK) == 0 && scep_read_file(path, &data, &len, &e) == SCEP_OK) {
        if (len <= SCEP_CHALLENGE_MAX)
            memcpy(s->autoreq.p.challenge, data, len + 1);
        scep_wipe(data, len);
        free(data);
    }
    return 0;
}
