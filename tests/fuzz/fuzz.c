/* fuzz.c - shared helpers of the fuzz targets (fuzz.h). */
#include "config.h"

#include "fuzz.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void quiet(int level, const char *msg, void *ctx)
{
    (void)level, (void)msg, (void)ctx;
}

void fuzz_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    if (scep_global_init() != SCEP_OK)
        abort();
    scep_set_log(quiet, NULL);
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    if (size)
        memcpy(t, data, size);
    t[size] = 0;
    return t;
}

const char *fuzz_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0])
        return dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/scep-fuzz-XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    return dir;
}

int fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}
