/*
 * logpipe.c - one logging path (DESIGN.md section 5) that keeps Net-SNMP on
 * one thread (section 2): the backend logs through a callback; lines from the
 * main thread go to snmp_log at once, lines from the worker thread are queued
 * (bounded) and a byte on a pipe wakes the Net-SNMP loop, which logs them.
 */
#include "config.h"

#include "agent.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define LOGQ_MAX  256
#define LOGQ_LINE 512

static struct {
    pthread_mutex_t lock;
    pthread_t main_thread;
    int fds[2];
    unsigned head, count, dropped;
    struct {
        int level;
        char msg[LOGQ_LINE];
    } q[LOGQ_MAX];
} L = {.lock = PTHREAD_MUTEX_INITIALIZER, .fds = {-1, -1}};

static void flush(void)
{
    for (;;) {
        int level;
        char msg[LOGQ_LINE];
        unsigned dropped;
        pthread_mutex_lock(&L.lock);
        if (L.count == 0) {
            pthread_mutex_unlock(&L.lock);
            break;
        }
        level = L.q[L.head].level;
        memcpy(msg, L.q[L.head].msg, sizeof msg);
        L.head = (L.head + 1) % LOGQ_MAX;
        L.count--;
        dropped = L.dropped;
        L.dropped = 0;
        pthread_mutex_unlock(&L.lock);
        if (dropped)
            snmp_log(LOG_WARNING, "%u log line(s) of the worker thread dropped\n", dropped);
        snmp_log(level, "%s\n", msg);
    }
}

static void readable(int fd, void *data)
{
    (void)data;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0)
        ;
    flush();
}

static void log_cb(int level, const char *msg, void *ctx)
{
    (void)ctx;
    if (L.fds[1] < 0 || pthread_equal(pthread_self(), L.main_thread)) {
        snmp_log(level, "%s\n", msg);
        return;
    }
    pthread_mutex_lock(&L.lock);
    if (L.count == LOGQ_MAX) {
        L.dropped++;
    } else {
        unsigned slot = (L.head + L.count) % LOGQ_MAX;
        L.q[slot].level = level;
        snprintf(L.q[slot].msg, sizeof L.q[slot].msg, "%s", msg);
        L.count++;
    }
    pthread_mutex_unlock(&L.lock);
    ssize_t n = write(L.fds[1], "", 1); /* a full pipe already wakes the loop */
    (void)n;
}

int agent_log_init(void)
{
    L.main_thread = pthread_self();
    scep_set_log(log_cb, NULL); /* until the pipe exists: direct */
    if (pipe2(L.fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return -1;
    register_readfd(L.fds[0], readable, NULL);
    return 0;
}

void agent_log_shutdown(void)
{
    flush();
    scep_set_log(NULL, NULL);
    if (L.fds[0] >= 0) {
        unregister_readfd(L.fds[0]);
        close(L.fds[0]);
        close(L.fds[1]);
        L.fds[0] = L.fds[1] = -1;
    }
}
