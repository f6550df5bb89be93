/*
 * test_history.c - the request history ring (history.c: T2-T4) and the
 * command runner (command.c: M9, X4).
 */
#include "config.h"

#include "scep-int.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *dir;
static char path[4096];

static int init(void)
{
    dir = tu_mkdtemp("hist");
    if (!dir)
        return 1;
    snprintf(path, sizeof path, "%s/history.state", dir);
    return 0;
}

static int cleanup(void)
{
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static scep_history *open_fresh(void)
{
    unlink(path);
    scep_history *h = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_history_open(path, SCEP_HISTORY_MAX, &h, NULL), SCEP_OK);
    return h;
}

static void test_ring(void)
{
    scep_history *h = open_fresh();
    CU_ASSERT_EQUAL(scep_history_count(h), 0);
    CU_ASSERT_EQUAL(scep_history_last_index(h), 0);
    for (int i = 1; i <= 21; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", i);
        scep_hist_entry *r =
            scep_history_add(h, name, SCEP_SRC_MANUAL, SCEP_HIST_INPROGRESS, i);
        CU_ASSERT_EQUAL(r->index, (uint32_t)i);
    }
    /* T4: the last 20 kept, the oldest overwritten. */
    CU_ASSERT_EQUAL(scep_history_count(h), 20);
    CU_ASSERT_EQUAL(scep_history_at(h, 0)->index, 2);
    CU_ASSERT_STRING_EQUAL(scep_history_at(h, 19)->name, "k21");
    CU_ASSERT_PTR_NULL(scep_history_find(h, 1));
    CU_ASSERT_PTR_NOT_NULL(scep_history_find(h, 21));
    CU_ASSERT_PTR_NULL(scep_history_at(h, 20));
    scep_history_close(h);
}

static void test_finish(void)
{
    scep_history *h = open_fresh();
    scep_hist_entry *ok =
        scep_history_add(h, "a", SCEP_SRC_MANUAL, SCEP_HIST_INPROGRESS, 1);
    scep_history_finish(ok, NULL, 100);
    CU_ASSERT_EQUAL(ok->state, SCEP_HIST_COMPLETED);
    CU_ASSERT_EQUAL(ok->completed, 100);
    scep_hist_entry *bad = scep_history_add(h, "b", SCEP_SRC_AUTO, SCEP_HIST_INPROGRESS, 2);
    scep_error e;
    scep_error_clear(&e);
    scep_error_set(&e, SCEP_E_FAILINFO_BADREQ, "challenge\twrong\nline2");
    e.http_status = 200;
    e.fail_info = 2;
    scep_history_finish(bad, &e, 200);
    CU_ASSERT_EQUAL(bad->state, SCEP_HIST_ERROR);
    CU_ASSERT_EQUAL(bad->code, SCEP_E_FAILINFO_BADREQ);
    CU_ASSERT_EQUAL(bad->fail_info, 2);
    CU_ASSERT_EQUAL(bad->http_status, 200);
    snprintf(bad->transaction_id, sizeof bad->transaction_id, "abc\\def");
    /* Saved and loaded back, escapes included. */
    CU_ASSERT_EQUAL(scep_history_save(h, NULL), SCEP_OK);
    scep_history_close(h);
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL_FATAL(scep_history_open(path, SCEP_HISTORY_MAX, &h, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_history_count(h), 2);
    scep_hist_entry *r = scep_history_find(h, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->text, "challenge\twrong\nline2");
    CU_ASSERT_STRING_EQUAL(r->transaction_id, "abc\\def");
    CU_ASSERT_EQUAL(r->source, SCEP_SRC_AUTO);
    CU_ASSERT_EQUAL(r->completed, 200);
    CU_ASSERT_EQUAL(scep_history_last_index(h), 2);
    scep_history_close(h);
}

static void test_inprogress_after_restart(void)
{
    scep_history *h = open_fresh();
    scep_history_add(h, "run", SCEP_SRC_MANUAL, SCEP_HIST_INPROGRESS, 1);
    scep_history_add(h, "wait", SCEP_SRC_AUTO, SCEP_HIST_WAITING, 2);
    CU_ASSERT_EQUAL(scep_history_save(h, NULL), SCEP_OK);
    scep_history_close(h);
    CU_ASSERT_EQUAL_FATAL(scep_history_open(path, SCEP_HISTORY_MAX, &h, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_history_find(h, 1)->state, SCEP_HIST_ERROR);
    CU_ASSERT_EQUAL(scep_history_find(h, 1)->code, SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(scep_history_find(h, 2)->state, SCEP_HIST_WAITING);
    scep_history_close(h);
}

static void test_wrap(void)
{
    /* A saved history just before the index wraps (pingProbeHistoryIndex). */
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "lastindex 4294967295\n");
    fprintf(f, "row\t4294967294\ta\t1\t4\t0\t200\t-1\t0\t1\t2\t\t\n");
    fprintf(f, "row\t4294967295\tb\t1\t4\t0\t200\t-1\t0\t3\t4\t\t\n");
    fclose(f);
    scep_history *h = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_history_open(path, SCEP_HISTORY_MAX, &h, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_history_last_index(h), 4294967295u);
    scep_hist_entry *r = scep_history_add(h, "c", SCEP_SRC_MANUAL, SCEP_HIST_INPROGRESS, 5);
    CU_ASSERT_EQUAL(r->index, 1);
    CU_ASSERT_EQUAL(scep_history_save(h, NULL), SCEP_OK);
    scep_history_close(h);
    /* After the wrap the newest row has the smallest index: not the largest. */
    CU_ASSERT_EQUAL_FATAL(scep_history_open(path, SCEP_HISTORY_MAX, &h, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_history_last_index(h), 1);
    CU_ASSERT_EQUAL(
        scep_history_add(h, "d", SCEP_SRC_MANUAL, SCEP_HIST_INPROGRESS, 6)->index, 2);
    scep_history_close(h);
}

static void test_corrupt_lines(void)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "lastindex 3\nrow\tnot-a-number\n");
    fprintf(f, "row\t3\tok\t1\t4\t0\t200\t-1\t0\t1\t2\t\t\n");
    fprintf(f, "row\t2\tbadstate\t1\t9\t0\t200\t-1\t0\t1\t2\t\t\n");
    fclose(f);
    scep_history *h = NULL;
    CU_ASSERT_EQUAL_FATAL(scep_history_open(path, SCEP_HISTORY_MAX, &h, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(scep_history_count(h), 1);
    CU_ASSERT_STRING_EQUAL(scep_history_at(h, 0)->name, "ok");
    scep_history_close(h);
}

/* ---- command runner ------------------------------------------------------ */
static void script(const char *name, const char *body, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", dir, name);
    FILE *f = fopen(out, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(out, 0755);
}

static void test_command(void)
{
    char cmd[4096], line[4200], outfile[4200];
    scep_error e;
    snprintf(outfile, sizeof outfile, "%s/env.out", dir);
    script("ok.sh", "echo \"$SCEP_KEY_NAME $1 $2\" > \"$OUT\"; echo \"$PATH\" >> \"$OUT\"",
           cmd, sizeof cmd);
    snprintf(line, sizeof line, "%s \"two words\" x", cmd);
    char envout[4300];
    snprintf(envout, sizeof envout, "OUT=%s", outfile);
    const char *env[] = {"SCEP_KEY_NAME=web", envout, NULL};
    scep_error_clear(&e);
    CU_ASSERT_EQUAL(scep_run_command(line, env, 5, &e), SCEP_OK);
    size_t len = 0;
    unsigned char *got = tu_read(outfile, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT(strstr((char *)got, "web two words x") != NULL); /* argv without a shell */
    CU_ASSERT(strstr((char *)got, "/usr/bin") != NULL);        /* a minimal PATH */
    free(got);

    script("fail.sh", "echo broken >&2; exit 3", cmd, sizeof cmd);
    CU_ASSERT_EQUAL(scep_run_command(cmd, NULL, 5, &e), SCEP_E_COMMAND);
    CU_ASSERT(strstr(e.text, "exit status 3") != NULL);
    CU_ASSERT(strstr(e.text, "broken") != NULL); /* its output in the history text */

    script("slow.sh", "sleep 30", cmd, sizeof cmd);
    time_t t0 = time(NULL);
    CU_ASSERT_EQUAL(scep_run_command(cmd, NULL, 1, &e), SCEP_E_COMMAND);
    CU_ASSERT(strstr(e.text, "timed out") != NULL);
    CU_ASSERT(time(NULL) - t0 < 10);

    /* No shell: metacharacters are plain arguments; a relative path is refused. */
    CU_ASSERT_EQUAL(scep_run_command("reboot", NULL, 5, &e), SCEP_E_COMMAND);
    CU_ASSERT_EQUAL(scep_run_command("/nonexistent/cmd", NULL, 5, &e), SCEP_E_COMMAND);
    CU_ASSERT(strstr(e.text, "could not be executed") != NULL);
    snprintf(line, sizeof line, "/bin/echo ; touch %s/injected", dir);
    CU_ASSERT_EQUAL(scep_run_command(line, NULL, 5, &e), SCEP_OK);
    snprintf(line, sizeof line, "%s/injected", dir);
    CU_ASSERT_NOT_EQUAL(access(line, F_OK), 0);
}

int main(void)
{
    return tu_run_fixture(
        "history",
        (tu_case[]){{"ring of 20, oldest dropped", test_ring},
                    {"finish, save, load, escapes", test_finish},
                    {"in progress at restart", test_inprogress_after_restart},
                    {"index wraps to 1", test_wrap},
                    {"corrupt lines ignored", test_corrupt_lines},
                    {"command: argv, env, status, timeout", test_command},
                    {NULL, NULL}},
        init, cleanup);
}
