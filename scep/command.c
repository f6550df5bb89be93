/*
 * command.c - run a command from the local configuration (SPEC.md M9, X4):
 * no shell, a minimal environment plus the caller's variables, a timeout, the
 * first bytes of its output kept for the error text.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 64

/* Split on blanks; "double quotes" group a word (no escapes, no expansion). */
static int split_args(char *s, char **argv)
{
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (n == MAX_ARGS - 1)
            return -1;
        if (*s == '"') {
            argv[n++] = ++s;
            while (*s && *s != '"')
                s++;
            if (*s != '"')
                return -1;
        } else {
            argv[n++] = s;
            while (*s && *s != ' ' && *s != '\t')
                s++;
        }
        if (*s)
            *s++ = 0;
    }
    argv[n] = NULL;
    return n;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keep what fits of n bytes of output. */
static void keep_output(char *out, size_t outsz, size_t *used, const char *buf, ssize_t n)
{
    if (n <= 0 || *used + 1 >= outsz)
        return;
    size_t take = (size_t)n < outsz - 1 - *used ? (size_t)n : outsz - 1 - *used;
    memcpy(out + *used, buf, take);
    *used += take;
    out[*used] = 0;
}

/* The child has exited: what it wrote before is in the pipe. Take what is
 * there now, without waiting for a grandchild that may still hold the pipe. */
static void drain_output(int fd, char *out, size_t outsz, size_t *used)
{
    char buf[512];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (*used + 1 < outsz && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        keep_output(out, outsz, used, buf, n);
    }
}

/* Collect output until the child exits or the deadline passes. */
static int wait_child(pid_t pid, int out_fd, unsigned timeout, char *out, size_t outsz,
                      int *status)
{
    size_t used = 0;
    double deadline = mono_now() + timeout;
    int killed = 0;
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid) {
            /* It may have written and exited since the last poll. */
            if (out_fd >= 0)
                drain_output(out_fd, out, outsz, &used);
            break;
        }
        if (w < 0 && errno != EINTR) {
            if (out_fd >= 0)
                close(out_fd);
            return -1;
        }
        double left = deadline - mono_now();
        if (left <= 0) {
            if (killed == 0) {
                kill(-pid, SIGTERM); /* the whole process group */
                deadline = mono_now() + 2;
                killed = 1;
            } else if (killed == 1) {
                kill(-pid, SIGKILL);
                deadline = mono_now() + 5;
                killed = 2;
            } else {
                if (out_fd >= 0)
                    close(out_fd);
                return -1;
            }
            continue;
        }
        struct pollfd pfd = {.fd = out_fd, .events = POLLIN};
        int ms = left > 0.1 ? 100 : (int)(left * 1000) + 1;
        if (out_fd >= 0 && poll(&pfd, 1, ms) > 0) {
            char buf[512];
            ssize_t n = read(out_fd, buf, sizeof buf);
            if (n > 0) {
                keep_output(out, outsz, &used, buf, n);
            } else if (n == 0) {
                close(out_fd);
                out_fd = -1;
            }
        } else if (out_fd < 0) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (out_fd >= 0)
        close(out_fd);
    return killed;
}

scep_rc scep_run_command(const char *cmdline, const char *const *env, unsigned timeout,
                         scep_error *e)
{
    char *copy = strdup(cmdline ? cmdline : "");
    char *argv[MAX_ARGS];
    if (!copy)
        return scep_error_set(e, SCEP_E_NOMEM, "command");
    int argc = split_args(copy, argv);
    if (argc <= 0 || argv[0][0] != '/') {
        free(copy);
        return scep_error_set(e, SCEP_E_COMMAND,
                              "command must be an absolute path with arguments: \"%s\"",
                              cmdline ? cmdline : "");
    }
    const char *envp[40];
    size_t ne = 0;
    envp[ne++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    for (size_t i = 0; env && env[i] && ne < 39; i++)
        envp[ne++] = env[i];
    envp[ne] = NULL;

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        free(copy);
        return scep_error_set(e, SCEP_E_COMMAND, "pipe: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        free(copy);
        return scep_error_set(e, SCEP_E_COMMAND, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        /* Nothing else of the agent's goes to the command: not the AgentX
         * socket (a command that outlives a killed agent would keep its
         * session and registrations alive in the master), not the log file,
         * not the job queue's or the log pipe's ends. */
        if (close_range(3, ~0U, 0) != 0)
            for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
                close((int)fd);
        /* A fresh process group so a timeout kills the whole command. */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(argv[0], argv, (char *const *)envp);
        _exit(127);
    }
    close(pfd[1]);
    setpgid(pid, pid); /* as the child does: no race with kill(-pid) */
    char out[200] = "";
    int status = 0;
    int killed = wait_child(pid, pfd[0], timeout ? timeout : 30, out, sizeof out, &status);
    /* Output on one line for the history text. */
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    scep_rc rc = SCEP_OK;
    if (killed < 0)
        rc = scep_error_set(e, SCEP_E_COMMAND, "%s: could not be waited for", argv[0]);
    else if (killed)
        rc = scep_error_set(e, SCEP_E_COMMAND, "%s: timed out after %u s", argv[0],
                            timeout ? timeout : 30);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        rc = scep_error_set(e, SCEP_E_COMMAND, "%s: could not be executed", argv[0]);
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        rc = scep_error_set(e, SCEP_E_COMMAND, "%s: exit status %d%s%s", argv[0],
                            WEXITSTATUS(status), out[0] ? ": " : "", out);
    else if (WIFSIGNALED(status))
        rc = scep_error_set(e, SCEP_E_COMMAND, "%s: killed by signal %d", argv[0],
                            WTERMSIG(status));
    free(copy);
    return rc;
}
