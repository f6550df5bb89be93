/*
 * minagent.c - the "bare Net-SNMP subagent" of SPEC.md P3: an AgentX
 * subagent that registers one read-only scalar (Integer32 42) and does
 * nothing else. bench/agent compares scepagentd's idle RSS and CPU with it.
 * Built by bench/agent (cc -O2, pkg-config netsnmp-agent), not by make.
 *
 *   minagent -x unix:SOCKET [-o OID] [-i PING_SECONDS]
 *
 * It is set up the way scepagentd sets itself up (main.c): subagent role,
 * no MIB list, no persistent state, the ping interval set after
 * init_agent(), log to stderr, agent_check_and_process(1) loop until
 * SIGTERM. The default OID is 1.3.6.1.4.1.8072.9999.9999.7238.1.0, next to
 * (not inside) the SCEP-CLIENT-MIB, so both can register at one master.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static long value = 42;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int parse_oid(const char *s, oid *o, size_t *len)
{
    size_t n = 0;
    char *end;

    while (*s) {
        if (*s == '.')
            s++;
        if (n == MAX_OID_LEN || *s < '0' || *s > '9')
            return -1;
        o[n++] = (oid)strtoul(s, &end, 10);
        s = end;
    }
    *len = n;
    return n ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *xaddr = NULL, *oidstr = ".1.3.6.1.4.1.8072.9999.9999.7238.1.0";
    oid o[MAX_OID_LEN];
    size_t olen;
    int ping = 1, c;

    while ((c = getopt(argc, argv, "x:o:i:")) != -1) {
        switch (c) {
        case 'x':
            xaddr = optarg;
            break;
        case 'o':
            oidstr = optarg;
            break;
        case 'i':
            ping = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: minagent -x unix:SOCKET [-o OID] [-i PING]\n");
            return 2;
        }
    }
    if (parse_oid(oidstr, o, &olen)) {
        fprintf(stderr, "minagent: bad OID %s\n", oidstr);
        return 2;
    }
    snmp_enable_stderrlog();
    setenv("MIBS", "", 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD,
                           1);
    if (xaddr)
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, xaddr);
    init_agent("minagent");
    netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                       ping);
    /* TESTBED.md: the long variant (int answers SETs wrongly); read-only */
    if (netsnmp_register_read_only_long_instance("minagent", o, olen, &value, NULL) !=
        MIB_REGISTERED_OK) {
        fprintf(stderr, "minagent: cannot register %s\n", oidstr);
        return 1;
    }
    init_snmp("minagent");
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop)
        agent_check_and_process(1);
    snmp_shutdown("minagent");
    return 0;
}
