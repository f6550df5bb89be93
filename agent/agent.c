/*
 * agent.c - start, reload and stop of the subagent: local config, persisted
 * state, key store, history, the job queue's fd in the Net-SNMP loop, the MIB
 * groups (DESIGN.md section 5: agent_init / agent_shutdown, main.c stays tiny).
 */
#include "config.h"

#include "agent.h"

#include <net-snmp/agent/agent_callbacks.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

agent g_agent;

static void jobs_readable(int fd, void *data)
{
    (void)fd;
    (void)data;
    scep_jobq_dispatch(g_agent.jobs);
}

int agent_mkdir_p(const char *dir, mode_t mode)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int on_index_start(int major, int minor, void *server, void *client)
{
    (void)major, (void)minor, (void)server, (void)client;
    agent_notify_connected(1);
    return 0;
}

static int on_index_stop(int major, int minor, void *server, void *client)
{
    (void)major, (void)minor, (void)server, (void)client;
    agent_notify_connected(0);
    return 0;
}

/* Settings the backend needs from the local config and the SNMP state. */
void agent_client_settings(scep_settings *s)
{
    scep_settings_init(s);
    snprintf(s->url, sizeof s->url, "%s", g_agent.st.url);
    s->port = g_agent.st.port;
    s->timeout = g_agent.st.timeout;
    snprintf(s->ca_pin, sizeof s->ca_pin, "%s", g_agent.st.ca_pin);
    snprintf(s->ca_seen, sizeof s->ca_seen, "%s", g_agent.st.ca_seen);
    snprintf(s->cacert_bundle, sizeof s->cacert_bundle, "%s", g_agent.conf.cacert_bundle);
    snprintf(s->proxy, sizeof s->proxy, "%s", g_agent.conf.proxy);
    s->require_standard = g_agent.conf.require_standard != 0;
}

int agent_init(const char *conf_path)
{
    scep_error e;
    scep_error_clear(&e);
    g_agent.conf_path = conf_path;
    if (agent_log_init() != 0) {
        snmp_log(LOG_ERR, "cannot create the log pipe\n");
        return -1;
    }
    agent_regwatch_init();
    if (scep_global_init() != SCEP_OK) {
        snmp_log(LOG_ERR, "cannot initialise libcurl/OpenSSL\n");
        return -1;
    }
    if (agent_mkdir_p(g_agent.conf.state_dir, 0700) != 0) {
        snmp_log(LOG_ERR, "cannot create %s: %s\n", g_agent.conf.state_dir,
                 strerror(errno));
        return -1;
    }
    scep_state_defaults(&g_agent.st);
    if (g_agent.conf.default_url[0])
        snprintf(g_agent.st.url, sizeof g_agent.st.url, "%s", g_agent.conf.default_url);
    if (scep_state_load(g_agent.conf.state_dir, &g_agent.st, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "state in %s: %s\n", g_agent.conf.state_dir, e.text);
        return -1;
    }
    scep_params_init(&g_agent.manual.p);
    /* SNMPv2-TC TestAndIncr: start from a pseudo-random value, so a manager
     * that read the lock before an agent restart cannot write with it after
     * (0..2^30: a manager's "read + 1" stays in range). */
    g_agent.manual.spin_lock = (long)scep_random_range(0, 0x3fffffffu);

    if (scep_keystore_open(g_agent.conf.keystore_dir, g_agent.conf.keystore_capacity,
                           &g_agent.ks, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "key store %s: %s\n", g_agent.conf.keystore_dir, e.text);
        return -1;
    }
    scep_keystore_set_default(g_agent.ks, g_agent.conf.default_key);

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/history.state", g_agent.conf.state_dir);
    if (scep_history_open(path, SCEP_HISTORY_MAX, &g_agent.hist, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "history %s: %s\n", path, e.text);
        return -1;
    }
    if (scep_jobq_new(&g_agent.jobs, &e) != SCEP_OK) {
        snmp_log(LOG_ERR, "job queue: %s\n", e.text);
        return -1;
    }
    register_readfd(scep_jobq_fd(g_agent.jobs), jobs_readable, NULL);

    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
                           on_index_start, NULL);
    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
                           on_index_stop, NULL);

    mib_settings_init();
    mib_request_init();
    mib_auto_init();
    mib_history_init();
    mib_keys_init();
    mib_notify_init();
    agent_enroll_init();
    agent_autorun_init();
    return 0;
}

void agent_reload(void)
{
    agent_conf c;
    if (agent_conf_load(g_agent.conf_path, &c) != 0) {
        snmp_log(LOG_WARNING, "SIGHUP: %s not applied, the previous configuration stays\n",
                 g_agent.conf_path);
        return;
    }
    if (strcmp(c.keystore_dir, g_agent.conf.keystore_dir) != 0 ||
        strcmp(c.state_dir, g_agent.conf.state_dir) != 0)
        snmp_log(LOG_WARNING,
                 "SIGHUP: keyStore/stateDir changes need a restart; kept %s, %s\n",
                 g_agent.conf.keystore_dir, g_agent.conf.state_dir);
    snprintf(c.keystore_dir, sizeof c.keystore_dir, "%s", g_agent.conf.keystore_dir);
    snprintf(c.state_dir, sizeof c.state_dir, "%s", g_agent.conf.state_dir);
    snprintf(c.agentx_socket, sizeof c.agentx_socket, "%s", g_agent.conf.agentx_socket);
    g_agent.conf = c;
    scep_keystore_set_capacity(g_agent.ks, c.keystore_capacity);
    scep_keystore_set_default(g_agent.ks, c.default_key);
    if (g_agent.runner) /* requests already queued keep the hooks they took */
        scep_runner_set_conf(g_agent.runner, &c.run);
    netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                       (int)c.ping_interval);
    mib_keys_reload(); /* rescans the key store: keys written from outside appear */
    snmp_log(LOG_INFO, "SIGHUP: %s re-read\n", g_agent.conf_path);
}

void agent_shutdown(void)
{
    agent_autorun_shutdown();
    if (g_agent.jobs) {
        unregister_readfd(scep_jobq_fd(g_agent.jobs));
        scep_jobq_free(g_agent.jobs); /* cancels; done callbacks record it */
        g_agent.jobs = NULL;
    }
    scep_runner_free(g_agent.runner); /* after the queue: its jobs point at it */
    g_agent.runner = NULL;
    if (g_agent.hist) {
        scep_history_save(g_agent.hist, NULL);
        scep_history_close(g_agent.hist);
        g_agent.hist = NULL;
    }
    scep_keystore_close(g_agent.ks);
    g_agent.ks = NULL;
    agent_log_shutdown();
    scep_wipe(&g_agent.manual, sizeof g_agent.manual);
    scep_wipe(g_agent.st.autoreq.p.challenge, sizeof g_agent.st.autoreq.p.challenge);
    scep_global_cleanup();
}
