/*
 * conf.c - the local configuration file of scepagentd (DESIGN.md section 4).
 * Everything here is local-only: paths and commands never come from SNMP (X4).
 *
 * Syntax: one "keyword value..." per line, '#' comments, as snmpd.conf. A file
 * with an error is refused whole (the previous configuration stays in force on
 * SIGHUP). See etc/scepagentd.conf for every keyword.
 */
#include "config.h"

#include "agent.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SCEPAGENTD_STATEDIR
#define SCEPAGENTD_STATEDIR "/var/lib/scep-agentx"
#endif

void agent_conf_defaults(agent_conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->state_dir, sizeof c->state_dir, "%s", SCEPAGENTD_STATEDIR);
    /* keyStore and exportDir default to stateDir/keys and stateDir/export
     * (filled in after parsing, so that a stateDir line moves them too). */
    c->keystore_capacity = 20;
    c->run.cmd_timeout = 60;
    c->ping_interval = 5;
    c->trap_queue_max = 64;
    for (int u = 0; u < 5; u++) {
        c->run.hooks[u].owner = (uid_t)-1;
        c->run.hooks[u].group = (gid_t)-1;
    }
}

static int set_str(char *dst, size_t n, const char *v, const char *file, int line,
                   const char *kw)
{
    if (strlen(v) >= n) {
        snmp_log(LOG_ERR, "%s:%d: %s: value too long (at most %zu characters)\n", file,
                 line, kw, n - 1);
        return -1;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int set_uint(unsigned *dst, const char *v, unsigned long lo, unsigned long hi,
                    const char *file, int line, const char *kw)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi) {
        snmp_log(LOG_ERR, "%s:%d: %s: expected a number from %lu to %lu\n", file, line, kw,
                 lo, hi);
        return -1;
    }
    *dst = (unsigned)x;
    return 0;
}

static int owner_arg(scep_hook *h, const char *v, const char *file, int line)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", v);
    char *grp = strchr(buf, ':');
    if (grp)
        *grp++ = 0;
    if (buf[0]) {
        struct passwd *pw = getpwnam(buf);
        if (!pw) {
            snmp_log(LOG_ERR, "%s:%d: installOwner: unknown user \"%s\"\n", file, line,
                     buf);
            return -1;
        }
        h->owner = pw->pw_uid;
    }
    if (grp && grp[0]) {
        struct group *gr = getgrnam(grp);
        if (!gr) {
            snmp_log(LOG_ERR, "%s:%d: installOwner: unknown group \"%s\"\n", file, line,
                     grp);
            return -1;
        }
        h->group = gr->gr_gid;
    }
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static int parse_line(agent_conf *c, char *line, const char *file, int ln)
{
    char *rest = NULL;
    char *kw = strtok_r(line, " \t", &rest);
    char *val = rest ? trim(rest) : "";
    if (!kw)
        return 0;
#define KW(name) (strcasecmp(kw, name) == 0)
    if (KW("keyStore"))
        return set_str(c->keystore_dir, sizeof c->keystore_dir, val, file, ln, kw);
    if (KW("keyStoreCapacity"))
        return set_uint(&c->keystore_capacity, val, 1, 100000, file, ln, kw);
    if (KW("defaultKey")) {
        if (scep_check_name(val, strlen(val), NULL) != SCEP_OK) {
            snmp_log(LOG_ERR, "%s:%d: defaultKey: invalid key name\n", file, ln);
            return -1;
        }
        return set_str(c->default_key, sizeof c->default_key, val, file, ln, kw);
    }
    if (KW("ipsecPolicy")) {
        if (c->n_policies == AGENT_MAX_POLICIES || !val[0] ||
            strlen(val) > SCEP_POLICY_MAX) {
            snmp_log(LOG_ERR, "%s:%d: ipsecPolicy: empty, too long or more than %d\n", file,
                     ln, AGENT_MAX_POLICIES);
            return -1;
        }
        /* what scep_req_set_policy accepts: else it could never be chosen */
        for (const char *p = val; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                snmp_log(LOG_ERR, "%s:%d: ipsecPolicy: control character\n", file, ln);
                return -1;
            }
        return set_str(c->policies[c->n_policies++], SCEP_POLICY_MAX + 1, val, file, ln,
                       kw);
    }
    if (KW("installDir") || KW("installOwner") || KW("installMode") ||
        KW("reloadCommand")) {
        char *r2 = NULL;
        char *u = strtok_r(val, " \t", &r2);
        int usage = u ? scep_usage_from_name(u) : -1;
        if (usage < 0) {
            snmp_log(LOG_ERR,
                     "%s:%d: %s: first word must be a usage (none, tls, ipsec, dot1x)\n",
                     file, ln, kw);
            return -1;
        }
        scep_hook *h = &c->run.hooks[usage];
        char *arg = r2 ? trim(r2) : "";
        if (KW("installDir")) {
            if (arg[0] != '/') {
                snmp_log(LOG_ERR, "%s:%d: installDir: an absolute path is required\n", file,
                         ln);
                return -1;
            }
            return set_str(h->install_dir, sizeof h->install_dir, arg, file, ln, kw);
        }
        if (KW("installOwner"))
            return owner_arg(h, arg, file, ln);
        if (KW("installMode")) {
            char *end;
            unsigned long m = strtoul(arg, &end, 8);
            if (*end || end == arg || m > 0777) {
                snmp_log(LOG_ERR, "%s:%d: installMode: an octal mode such as 0640\n", file,
                         ln);
                return -1;
            }
            h->mode = (unsigned)m;
            return 0;
        }
        if (arg[0] != '/') {
            snmp_log(LOG_ERR, "%s:%d: reloadCommand: an absolute path is required\n", file,
                     ln);
            return -1;
        }
        return set_str(h->reload_cmd, sizeof h->reload_cmd, arg, file, ln, kw);
    }
    if (KW("restartCommand")) {
        if (val[0] != '/') {
            snmp_log(LOG_ERR, "%s:%d: restartCommand: an absolute path is required\n", file,
                     ln);
            return -1;
        }
        return set_str(c->run.restart_cmd, sizeof c->run.restart_cmd, val, file, ln, kw);
    }
    if (KW("commandTimeout"))
        return set_uint(&c->run.cmd_timeout, val, 1, 3600, file, ln, kw);
    if (KW("caBundle"))
        return set_str(c->cacert_bundle, sizeof c->cacert_bundle, val, file, ln, kw);
    if (KW("proxy"))
        return set_str(c->proxy, sizeof c->proxy, val, file, ln, kw);
    if (KW("agentxSocket"))
        return set_str(c->agentx_socket, sizeof c->agentx_socket, val, file, ln, kw);
    if (KW("agentxPingInterval"))
        return set_uint(&c->ping_interval, val, 1, 3600, file, ln, kw);
    if (KW("stateDir"))
        return set_str(c->state_dir, sizeof c->state_dir, val, file, ln, kw);
    if (KW("exportDir"))
        return set_str(c->export_dir, sizeof c->export_dir, val, file, ln, kw);
    if (KW("trapQueueMax"))
        return set_uint(&c->trap_queue_max, val, 0, 10000, file, ln, kw);
    if (KW("requireScepStandard")) {
        if (!strcmp(val, "yes") || !strcmp(val, "no")) {
            c->require_standard = !strcmp(val, "yes");
            return 0;
        }
        snmp_log(LOG_ERR, "%s:%d: requireScepStandard: yes or no\n", file, ln);
        return -1;
    }
    if (KW("serverUrl")) {
        if (scep_check_url(val, strlen(val), NULL) != SCEP_OK) {
            snmp_log(LOG_ERR, "%s:%d: serverUrl: not an http(s) URL\n", file, ln);
            return -1;
        }
        return set_str(c->default_url, sizeof c->default_url, val, file, ln, kw);
    }
#undef KW
    snmp_log(LOG_ERR, "%s:%d: unknown keyword \"%s\"\n", file, ln, kw);
    return -1;
}

int agent_conf_load(const char *path, agent_conf *out)
{
    agent_conf c;
    agent_conf_defaults(&c);
    FILE *f = fopen(path, "r");
    if (!f) {
        snmp_log(LOG_ERR, "cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int ln = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = trim(line);
        if (*s && parse_line(&c, s, path, ln) != 0)
            bad++;
    }
    fclose(f);
    if (!c.keystore_dir[0] && snprintf(c.keystore_dir, sizeof c.keystore_dir, "%s/keys",
                                       c.state_dir) >= (int)sizeof c.keystore_dir)
        bad++;
    if (!c.export_dir[0] && snprintf(c.export_dir, sizeof c.export_dir, "%s/export",
                                     c.state_dir) >= (int)sizeof c.export_dir)
        bad++;
    if (strcmp(c.export_dir, c.state_dir) == 0 ||
        strcmp(c.export_dir, c.keystore_dir) == 0) {
        /* Exports must not overwrite, nor imports read, the agent's own files. */
        snmp_log(LOG_ERR, "%s: exportDir must differ from stateDir and keyStore\n", path);
        bad++;
    }
    if (bad) {
        snmp_log(LOG_ERR, "%s: %d error(s); configuration not applied\n", path, bad);
        return -1;
    }
    *out = c;
    return 0;
}

int agent_conf_policy_known(const agent_conf *c, const char *name)
{
    for (unsigned i = 0; i < c->n_policies; i++)
        if (strcmp(c->policies[i], name) == 0)
            return 1;
    return 0;
}

const char *const *agent_conf_policy_list(const agent_conf *c)
{
    static const char *list[AGENT_MAX_POLICIES + 1];
    unsigned i;
    for (i = 0; i < c->n_policies; i++)
        list[i] = c->policies[i];
    list[i] = NULL;
    return list;
}
