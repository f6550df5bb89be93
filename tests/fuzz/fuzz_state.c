/*
 * fuzz_state.c - the agent's text files and the import file: the first byte
 * picks the parser, the rest is the file.
 *   0 scepagentd.state (scep_state_parse, lenient: bad lines are skipped);
 *     what is then written must read back to the same text (a value that
 *     does not survive a restart is a bug)
 *   1 an import file (scep_state_import, strict: all or nothing), then the
 *     export of what was imported is imported again and must give the same
 *   2 auto-run.state (scep_sched_parse), formatted again
 *   3 expiry.state (scep_expiry_marks_parse), formatted again
 */
#include "config.h"

#include "fuzz.h"
#include "scep-schema.h"
#include "scep-sched.h"

#include <stdlib.h>
#include <string.h>

static const char *const policies[] = {"office", "lab", NULL};

/* s formatted must be text (what was formatted before). */
static void same_text(const scep_state *s, int for_export, const char *text, size_t len)
{
    size_t n = 0;
    char *again = scep_state_format(s, for_export, &n);
    if (!again)
        return;
    if (n != len || memcmp(again, text, n) != 0)
        __builtin_trap(); /* a value that does not come back the same */
    free(again);
}

static void state_import(const char *text, size_t len)
{
    scep_state s, again;
    char err[256];
    scep_state_defaults(&s);
    if (scep_state_import(&s, text, len, policies, err, sizeof err) != SCEP_OK)
        return;
    size_t n = 0;
    char *out = scep_state_format(&s, 1, &n);
    if (!out)
        return;
    scep_state_defaults(&again);
    if (scep_state_import(&again, out, n, policies, err, sizeof err) != SCEP_OK)
        __builtin_trap(); /* our own export must import */
    same_text(&again, 1, out, n);
    free(out);
}

/* The state file: what is written after reading it reads back the same. */
static void state_file(const char *text, size_t len)
{
    scep_state s, again;
    scep_state_defaults(&s);
    scep_state_parse(&s, text, len);
    size_t n = 0;
    char *out = scep_state_format(&s, 0, &n);
    if (!out)
        return;
    scep_state_defaults(&again);
    scep_state_parse(&again, out, n);
    same_text(&again, 0, out, n);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_init();
    char *text = fuzz_text(data + 1, size - 1);
    size_t len = size - 1;
    scep_error e;
    scep_error_clear(&e);
    switch (data[0] % 4) {
    case 0:
        state_file(text, len);
        break;
    case 1:
        state_import(text, len);
        break;
    case 2: {
        scep_sched_state st;
        char out[SCEP_SCHED_TEXT_MAX];
        scep_sched_init(&st);
        if (scep_sched_parse(&st, text, &e) == SCEP_OK)
            (void)scep_sched_format(&st, out, sizeof out);
        break;
    }
    default: {
        scep_expiry_mark *marks = NULL;
        size_t n = 0;
        if (scep_expiry_marks_parse(text, &marks, &n, &e) == SCEP_OK) {
            char *out = NULL;
            size_t olen = 0;
            (void)scep_expiry_marks_format(marks, n, &out, &olen);
            free(out);
        }
        free(marks);
        break;
    }
    }
    free(text);
    return 0;
}
