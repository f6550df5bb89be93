/*
 * fuzz_conf.c - the local configuration file (scepagentd.conf, agent/conf.c):
 * written to a file and loaded as scepagentd and SIGHUP load it.
 */
#include "config.h"

#include "agent.h"
#include "fuzz.h"

#include <limits.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    char path[PATH_MAX];
    fuzz_init();
    if (!quiet) { /* conf.c reports through snmp_log: not to the terminal */
        netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
        quiet = 1;
    }
    if (fuzz_write("scepagentd.conf", data, size) != 0)
        return 0;
    snprintf(path, sizeof path, "%s/scepagentd.conf", fuzz_dir());
    agent_conf c;
    agent_conf_defaults(&c);
    (void)agent_conf_load(path, &c);
    return 0;
}
