/*
 * fuzz_state.c - the agent's text files and the import file: the first byte
 * picks the parser, the rest is the file.
 *   0 scepagentd.state (scep_state_parse, lenient: bad lines are skipped)
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
    case 0: {
        scep_state s;
        scep_state_defaults(&s);
        scep_state_parse(&s, text, len);
        break;
    }
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
