/*
 * log.c - the one logging path of the backend.
 *
 * Messages are formatted into a stack buffer (longer ones are cut, with
 * "..." at the end) and handed, without a trailing newline, to the callback
 * set by scep_set_log(); the agent glue points it at snmp_log().
 *
 * Threads: scep_log() may be called from the job worker thread, so the
 * callback may run there too. Calls are serialized by a (recursive) mutex,
 * and scep_set_log() waits for a call in progress, so the old ctx may be
 * freed once it returns. A callback that must not run off the main thread
 * (Net-SNMP is not thread-safe) has to hand the line over itself, or the glue
 * must only log from the worker while the main thread is not in Net-SNMP.
 *
 * Never pass a secret (challenge, key bytes) to these functions.
 */
#include "config.h"

#include "scep-int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LOG_BUF 1024

static pthread_mutex_t log_lock;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static scep_log_fn log_fn;
static void *log_ctx;

static void log_init_lock(void)
{
    pthread_mutexattr_t a;

    pthread_mutexattr_init(&a);
    /* Recursive: a callback that itself calls scep_log() must not deadlock. */
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&log_lock, &a);
    pthread_mutexattr_destroy(&a);
}

static const char *level_name(int level)
{
    switch (level) {
    case SCEP_LOG_ERR:
        return "error";
    case SCEP_LOG_WARNING:
        return "warning";
    case SCEP_LOG_NOTICE:
        return "notice";
    case SCEP_LOG_INFO:
        return "info";
    case SCEP_LOG_DEBUG:
        return "debug";
    }
    return level < SCEP_LOG_ERR ? "critical" : "debug";
}

void scep_set_log(scep_log_fn fn, void *ctx)
{
    pthread_once(&log_once, log_init_lock);
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_ctx = ctx;
    pthread_mutex_unlock(&log_lock);
}

void scep_vlog(int level, const char *fmt, va_list ap)
{
    char msg[LOG_BUF];
    int n;
    size_t len;

    if (!fmt)
        return;
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        snprintf(msg, sizeof msg, "(unformattable log message)");
    else if ((size_t)n >= sizeof msg)
        memcpy(msg + sizeof msg - 4, "...", 4);
    len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';

    pthread_once(&log_once, log_init_lock);
    pthread_mutex_lock(&log_lock);
    if (log_fn)
        log_fn(level, msg, log_ctx);
    else if (level <= SCEP_LOG_INFO)
        fprintf(stderr, "%s: %s\n", level_name(level), msg);
    pthread_mutex_unlock(&log_lock);
}

void scep_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    scep_vlog(level, fmt, ap);
    va_end(ap);
}
