/*
 * history.c - the request history (SPEC.md T2-T4): a ring of the last N rows
 * with a wrapping Unsigned32 index (1..4294967295, then 1 again, as
 * pingProbeHistoryIndex), saved whole and atomically on every change.
 *
 * File format, one row per line, tab-separated, text fields escaped (\t \n \\):
 *   lastindex <n>
 *   row <index> <name> <source> <state> <code> <http> <failinfo> <polls>
 *       <requested> <completed> <transactionid> <text>
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scep_history {
    char *path;
    unsigned max;
    unsigned count;
    unsigned head; /* slot of the oldest row */
    uint32_t last_index;
    scep_hist_entry *rows; /* max slots */
};

static scep_hist_entry *slot(scep_history *h, unsigned i)
{
    return &h->rows[(h->head + i) % h->max];
}

unsigned scep_history_count(const scep_history *h)
{
    return h->count;
}

unsigned scep_history_max(const scep_history *h)
{
    return h->max;
}

uint32_t scep_history_last_index(const scep_history *h)
{
    return h->last_index;
}

scep_hist_entry *scep_history_at(scep_history *h, unsigned i)
{
    return i < h->count ? slot(h, i) : NULL;
}

scep_hist_entry *scep_history_find(scep_history *h, uint32_t index)
{
    for (unsigned i = 0; i < h->count; i++)
        if (slot(h, i)->index == index)
            return slot(h, i);
    return NULL;
}

scep_hist_entry *scep_history_add(scep_history *h, const char *name, scep_hist_source src,
                                  scep_hist_state state, time_t requested)
{
    scep_hist_entry *r;
    if (h->count == h->max) { /* drop the oldest */
        r = slot(h, 0);
        h->head = (h->head + 1) % h->max;
        h->count--;
    }
    r = slot(h, h->count++);
    memset(r, 0, sizeof *r);
    h->last_index = h->last_index == UINT32_MAX ? 1 : h->last_index + 1;
    r->index = h->last_index;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "");
    r->source = src;
    r->state = state;
    r->fail_info = -1;
    r->requested = requested;
    return r;
}

void scep_history_finish(scep_hist_entry *row, const scep_error *err, time_t when)
{
    row->completed = when;
    if (!err || err->code == SCEP_OK) {
        row->state = SCEP_HIST_COMPLETED;
        row->code = SCEP_OK;
        row->fail_info = -1;
        row->text[0] = 0;
        if (err)
            row->http_status = err->http_status;
        return;
    }
    row->state = SCEP_HIST_ERROR;
    row->code = err->code;
    row->http_status = err->http_status;
    row->fail_info = err->fail_info;
    snprintf(row->text, sizeof row->text, "%s", err->text);
}

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else
            fputc(*s, f);
    }
}

static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
}

scep_rc scep_history_save(scep_history *h, scep_error *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return scep_error_set(e, SCEP_E_NOMEM, "history buffer");
    fprintf(
        f, "# scep-agentx request history (written by scepagentd)\nlastindex %" PRIu32 "\n",
        h->last_index);
    for (unsigned i = 0; i < h->count; i++) {
        const scep_hist_entry *r = slot(h, i);
        fprintf(f, "row\t%" PRIu32 "\t", r->index);
        put_escaped(f, r->name);
        fprintf(f, "\t%d\t%d\t%d\t%ld\t%d\t%u\t%lld\t%lld\t", (int)r->source, (int)r->state,
                (int)r->code, r->http_status, r->fail_info, r->polls,
                (long long)r->requested, (long long)r->completed);
        put_escaped(f, r->transaction_id);
        fputc('\t', f);
        put_escaped(f, r->text);
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        free(buf);
        return scep_error_set(e, SCEP_E_NOMEM, "history buffer");
    }
    scep_rc rc = scep_write_file_atomic(h->path, buf, len, 0600, e);
    free(buf);
    return rc;
}

/* Split a line on tabs in place; returns the number of fields. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static int parse_row(char *line, scep_hist_entry *r)
{
    char *f[13];
    if (split_tabs(line, f, 13) != 13 || strcmp(f[0], "row") != 0)
        return -1;
    memset(r, 0, sizeof *r);
    char *end;
    unsigned long idx = strtoul(f[1], &end, 10);
    if (*end || idx == 0 || idx > UINT32_MAX)
        return -1;
    r->index = (uint32_t)idx;
    unescape(f[2]);
    snprintf(r->name, sizeof r->name, "%s", f[2]);
    r->source = (scep_hist_source)atoi(f[3]);
    r->state = (scep_hist_state)atoi(f[4]);
    r->code = (scep_rc)atoi(f[5]);
    r->http_status = atol(f[6]);
    r->fail_info = atoi(f[7]);
    r->polls = (unsigned)strtoul(f[8], NULL, 10);
    r->requested = (time_t)strtoll(f[9], NULL, 10);
    r->completed = (time_t)strtoll(f[10], NULL, 10);
    unescape(f[11]);
    snprintf(r->transaction_id, sizeof r->transaction_id, "%s", f[11]);
    unescape(f[12]);
    snprintf(r->text, sizeof r->text, "%s", f[12]);
    if (r->source < SCEP_SRC_MANUAL || r->source > SCEP_SRC_AUTO ||
        r->state < SCEP_HIST_WAITING || r->state > SCEP_HIST_COMPLETED || r->code < 0 ||
        r->code >= SCEP_E_LAST)
        return -1;
    return 0;
}

static scep_rc load(scep_history *h, scep_error *e)
{
    char *data = NULL;
    size_t len = 0;
    if (access(h->path, F_OK) != 0 && errno == ENOENT)
        return SCEP_OK; /* first start */
    scep_rc rc = scep_read_file(h->path, &data, &len, e);
    if (rc)
        return rc;
    unsigned lineno = 0, bad = 0;
    uint32_t saved_last = 0;
    for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || !line[0])
            continue;
        if (strncmp(line, "lastindex ", 10) == 0) {
            saved_last = (uint32_t)strtoul(line + 10, NULL, 10);
            continue;
        }
        scep_hist_entry r;
        if (parse_row(line, &r) != 0) {
            bad++;
            continue;
        }
        scep_hist_entry *dst = scep_history_add(h, "", r.source, r.state, 0);
        *dst = r;
    }
    free(data);
    /* The index last given out: the saved one, else the newest row's. Not the
     * largest row index: after a wrap the newest row has a small index. */
    h->last_index = saved_last ? saved_last : h->count ? slot(h, h->count - 1)->index : 0;
    if (bad)
        scep_log(SCEP_LOG_WARNING, "%s: %u unreadable history line(s) ignored", h->path,
                 bad);
    /* A row left "in progress" by a crash or a restart is not running any more. */
    for (unsigned i = 0; i < h->count; i++) {
        scep_hist_entry *r = slot(h, i);
        if (r->state == SCEP_HIST_INPROGRESS) {
            scep_error ie;
            scep_error_clear(&ie);
            scep_error_set(&ie, SCEP_E_CANCELLED, "%s", SCEP_HIST_INTERRUPTED);
            scep_history_finish(r, &ie, scep_now());
        }
    }
    return SCEP_OK;
}

scep_rc scep_history_open(const char *path, unsigned max, scep_history **out, scep_error *e)
{
    if (max == 0)
        return scep_error_set(e, SCEP_E_INVALID, "history size 0");
    scep_history *h = calloc(1, sizeof *h);
    if (!h || !(h->rows = calloc(max, sizeof *h->rows)) || !(h->path = strdup(path))) {
        if (h)
            free(h->rows);
        free(h);
        return scep_error_set(e, SCEP_E_NOMEM, "history");
    }
    h->max = max;
    scep_rc rc = load(h, e);
    if (rc) {
        scep_history_close(h);
        return rc;
    }
    *out = h;
    return SCEP_OK;
}

void scep_history_close(scep_history *h)
{
    if (!h)
        return;
    free(h->rows);
    free(h->path);
    free(h);
}
