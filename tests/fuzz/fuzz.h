/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz share: a quiet backend
 * (the logger drops everything), the text form of an input (NUL-terminated
 * copy) and a scratch directory for the parsers that read files.
 */
#ifndef SCEP_FUZZ_H
#define SCEP_FUZZ_H

#include "scep-int.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* scep_global_init() and a logger that drops everything; once. */
void fuzz_init(void);
/* malloc'd NUL-terminated copy of data (data may hold NULs itself). */
char *fuzz_text(const uint8_t *data, size_t size);
/* A private directory (in /dev/shm when there is one), created once. */
const char *fuzz_dir(void);
/* Write data to fuzz_dir()/name (whole, 0600); 0 on success. */
int fuzz_write(const char *name, const uint8_t *data, size_t size);

#endif /* SCEP_FUZZ_H */
