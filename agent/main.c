/*
 * main.c - scepagentd: options (snmpd-like), signals, the Net-SNMP loop.
 */
#include "config.h"

#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef SCEPAGENTD_CONF
#define SCEPAGENTD_CONF "/etc/scep-agentx/scepagentd.conf"
#endif

/* X2: Net-SNMP's packet dumps ("dump*") and result printing ("results") show
 * the values of a SET, a challenge included: they stay off whatever -D says.
 * In Net-SNMP 5.9 "ALL" ignores exclusions and an excluded ("-token") token
 * is merely skipped, so "everything" is spelled out as prefixes that match
 * every token name except those two: the first match wins, tokens are
 * matched by prefix. */
static const char token_chars[] = "abcdefghijklmnopqrstuvwxyz_:/0123456789";

static void add_prefixes(char *list, size_t n, const char *stem, const char *skip)
{
    size_t len = strlen(stem);
    char tok[8];
    for (const char *c = token_chars; *c; c++) {
        if (skip && *c == skip[len])
            continue;
        snprintf(tok, sizeof tok, "%s%c", stem, *c);
        if (strlen(list) + strlen(tok) + 2 < n) {
            strcat(list, list[0] ? "," : "");
            strcat(list, tok);
        }
    }
}

static void debug_tokens(const char *arg)
{
    if (arg && *arg && strcasecmp(arg, "ALL") != 0) {
        if (strncmp(arg, "dump", 4) == 0 || strstr(arg, ",dump") ||
            strncmp(arg, "results", 7) == 0 || strstr(arg, ",results"))
            fprintf(stderr, "scepagentd: the dump* and results debug tokens are not "
                            "available (they would log secrets)\n");
        char buf[1024];
        size_t o = 0;
        /* Drop any dump / results token the user named. */
        char *copy = strdup(arg), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save))
            if (strncmp(t, "dump", 4) != 0 && strncmp(t, "results", 7) != 0 &&
                strlen(t) + o + 2 < sizeof buf)
                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", o ? "," : "", t);
        free(copy);
        buf[o] = 0;
        debug_register_tokens(buf);
    } else {
        /* Upper case and the first letters of the excluded names go level by
         * level; "re" keeps read_config and register*. */
        char list[4096] = "";
        for (const char *c = token_chars; *c; c++) {
            if (*c == 'd' || *c == 'r')
                continue;
            char one[2] = {*c, 0};
            strcat(list, list[0] ? "," : "");
            strcat(list, one);
        }
        strcat(list, ",A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q,R,S,T,U,V,W,X,Y,Z");
        add_prefixes(list, sizeof list, "d", "du");
        add_prefixes(list, sizeof list, "du", "dum");
        add_prefixes(list, sizeof list, "dum", "dump");
        add_prefixes(list, sizeof list, "r", "re");
        strcat(list, ",read,reg");
        debug_register_tokens(list);
    }
    snmp_set_do_debugging(1);
}

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: scepagentd [-f] [-c FILE] [-x ADDRESS] [-p PIDFILE] [-L[efos...]] "
            "[-D[TOKENS]] [-h] [-v]\n"
            "  -f            stay in the foreground\n"
            "  -c FILE       local configuration (default %s)\n"
            "  -x ADDRESS    AgentX master address (overrides agentxSocket in the config)\n"
            "  -p PIDFILE    write the process id to PIDFILE\n"
            "  -L[efos]      logging as in snmpd: -Le stderr, -Lf FILE, -Lo stdout, -Ls "
            "FAC syslog\n"
            "  -D[TOKENS]    Net-SNMP debug output for the given tokens (all when empty)\n"
            "  -h            this help\n"
            "  -v            version and built features\n"
            "Signals: SIGHUP re-reads the local configuration, SIGTERM/SIGINT stop.\n",
            SCEPAGENTD_CONF);
}

static void version(void)
{
    printf("scepagentd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    printf("  Net-SNMP %s, %s\n", netsnmp_get_version(), scep_version_info());
    printf("  features: AgentX subagent, SCEP RFC 8894 (PKCSReq, RenewalReq, CertPoll),\n"
           "            HTTPS, CA pinning, key store, request history, notifications\n");
}

static int write_pidfile(const char *path)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    scep_error e;
    scep_error_clear(&e);
    if (scep_write_file_atomic(path, buf, (size_t)n, 0644, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "cannot write pid file %s: %s\n", path, e.text);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf_path = SCEPAGENTD_CONF;
    const char *pidfile = NULL;
    const char *xaddr = NULL;
    int foreground = 0, logging = 0;
    int ch;

    while ((ch = getopt(argc, argv, "fc:x:p:L:D::hv")) != -1) {
        switch (ch) {
        case 'f':
            foreground = 1;
            break;
        case 'c':
            conf_path = optarg;
            break;
        case 'x':
            xaddr = optarg;
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 'L':
            if (snmp_log_options(optarg, argc, argv) < 0) {
                usage(stderr);
                return 1;
            }
            logging = 1;
            break;
        case 'D':
            debug_tokens(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'v':
            version();
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 1;
    }
    if (!logging)
        snmp_enable_stderrlog();

    /* An AgentX subagent that reads no snmp.conf MIB list (numeric OIDs only:
     * Debian ships no IETF MIBs, TESTBED.md). */
    setenv("MIBS", "", 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD,
                           1);

    if (agent_conf_load(conf_path, &g_agent.conf) != 0)
        return 1;
    if (xaddr)
        snprintf(g_agent.conf.agentx_socket, sizeof g_agent.conf.agentx_socket, "%s",
                 xaddr);
    if (g_agent.conf.agentx_socket[0])
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
                              g_agent.conf.agentx_socket);

    if (!foreground && daemon(0, 0) != 0) {
        snmp_log(LOG_ERR, "daemon: %s\n", strerror(errno));
        return 1;
    }

    init_agent("scepagentd");
    /* init_agent() resets the ping interval (TESTBED.md): set it after. */
    netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                       (int)g_agent.conf.ping_interval);
    if (agent_init(conf_path) != 0) {
        snmp_shutdown("scepagentd");
        return 1;
    }
    init_snmp("scepagentd");
    if (pidfile && write_pidfile(pidfile) != 0) {
        agent_shutdown();
        snmp_shutdown("scepagentd");
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    snmp_log(LOG_INFO, "scepagentd %s started\n", PACKAGE_VERSION);
    while (!stop_requested) {
        agent_check_and_process(1);
        if (reload_requested) {
            reload_requested = 0;
            agent_reload();
        }
    }
    snmp_log(LOG_INFO, "scepagentd stopping\n");
    agent_shutdown();
    snmp_shutdown("scepagentd");
    if (pidfile)
        unlink(pidfile);
    return 0;
}
