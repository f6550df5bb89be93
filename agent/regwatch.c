/*
 * regwatch.c - a refused AgentX registration is retried (issue 9 item 6).
 *
 * Net-SNMP registers the subagent's subtrees when the AgentX session comes up
 * and reports a refusal from the master only as a log line ("registering pdu
 * failed: N!", e.g. 263 duplicateRegistration while a killed agent's session
 * is still held open by a process that inherited its socket, or while
 * another instance serves the MIB). The session then stays up, unregistered,
 * and the MIB answers noSuchObject for good. This file watches the library's
 * log through a callback log handler (LOG_ERR and worse: nothing else is
 * looked at), and when a registration was refused it drops the session a
 * little later: the master frees what the session did register, Net-SNMP's
 * reconnect logic (the ping alarm, agentxPingInterval) opens a new session
 * and registers every subtree again. Tries back off from 2 s to 60 s and
 * are logged; a session that registered everything resets the back-off.
 */
#include "config.h"

#include "agent.h"

#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/snmp_logging.h>

#include <string.h>
#include <sys/socket.h>

#define RETRY_MIN 2
#define RETRY_MAX 60

static struct {
    netsnmp_session *sess; /* the AgentX session while it is up */
    unsigned refused;      /* registrations refused in this session */
    unsigned alarm;
    unsigned delay;
    unsigned long retries;
} W;

static void drop_session(unsigned reg, void *arg)
{
    (void)reg;
    (void)arg;
    W.alarm = 0;
    if (!W.sess || !W.refused)
        return;
    netsnmp_transport *t = snmp_sess_transport(snmp_sess_pointer(W.sess));
    if (!t || t->sock < 0)
        return;
    W.retries++;
    snmp_log(LOG_WARNING,
             "AgentX: the master refused %u registration(s); reconnecting to register "
             "again (try %lu)\n",
             W.refused, W.retries);
    W.refused = 0;
    /* The session's EOF (or its next ping) makes Net-SNMP reconnect. */
    shutdown(t->sock, SHUT_RDWR);
}

static int on_log(int major, int minor, void *server, void *client)
{
    (void)major, (void)minor, (void)client;
    const struct snmp_log_message *m = server;
    if (!m || !m->msg || !strstr(m->msg, "registering pdu failed"))
        return 0;
    W.refused++;
    if (!W.alarm) {
        if (!W.delay)
            W.delay = RETRY_MIN;
        W.alarm = snmp_alarm_register(W.delay, 0, drop_session, NULL);
        W.delay = W.delay * 2 > RETRY_MAX ? RETRY_MAX : W.delay * 2;
    }
    return 0;
}

/* A while after the session came up: all registered, the back-off restarts. */
static void settled(unsigned reg, void *arg)
{
    (void)reg;
    (void)arg;
    if (W.sess && !W.refused && !W.alarm)
        W.delay = 0;
}

static int on_up(int major, int minor, void *server, void *client)
{
    (void)major, (void)minor, (void)client;
    W.sess = server;
    snmp_alarm_register(RETRY_MAX / 2, 0, settled, NULL);
    return 0;
}

static int on_down(int major, int minor, void *server, void *client)
{
    (void)major, (void)minor, (void)server, (void)client;
    W.sess = NULL;
    return 0;
}

unsigned long agent_regwatch_retries(void)
{
    return W.retries;
}

void agent_regwatch_init(void)
{
    memset(&W, 0, sizeof W);
    /* LOG_ERR and more severe only reach on_log */
    if (!netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_ERR))
        snmp_log(LOG_WARNING, "AgentX: cannot watch registrations (no log handler)\n");
    snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_log, NULL);
    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, on_up,
                           NULL);
    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, on_down,
                           NULL);
}
