/*
 * files.c - crash-safe file writes (U4, R3) and whole-file reads.
 *
 * scep_write_file_atomic: a temp file "<path>.tmpXXXXXX" in the same
 * directory gets the final mode before any byte is written (a private key is
 * never readable by others, not even for a moment), is written whole,
 * fsync'ed, closed, renamed over path, and the directory is fsync'ed so the
 * rename itself survives a crash. On any failure before the rename the temp
 * file is removed; path is then untouched.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_MAX (64u * 1024 * 1024) /* refuse absurd files */

static scep_rc io_error(scep_error *e, const char *op, const char *path, int err)
{
    return scep_error_set(e, SCEP_E_IO, "%s %s: %s", op, path, strerror(err));
}

/* Directory part of path into buf ("." when path has no slash). */
static void dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        snprintf(buf, len, ".");
    else if (slash == path)
        snprintf(buf, len, "/");
    else
        snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

scep_rc scep_fsync_dir(const char *dir, scep_error *e)
{
    int fd, err;

    if (!dir || !*dir)
        return scep_error_set(e, SCEP_E_INVALID, "no directory to sync");
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_error(e, "open", dir, errno);
    /* Some file systems cannot sync a directory: that is not a failure. */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        err = errno;
        close(fd);
        return io_error(e, "fsync", dir, err);
    }
    close(fd);
    return SCEP_OK;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

scep_rc scep_write_file_atomic(const char *path, const void *data, size_t len,
                               unsigned mode, scep_error *e)
{
    char tmp[PATH_MAX];
    char dir[PATH_MAX];
    int fd, err;
    scep_rc rc;

    if (!path || !*path || (!data && len))
        return scep_error_set(e, SCEP_E_INVALID, "write: no path or data");
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= sizeof tmp)
        return io_error(e, "write", path, ENAMETOOLONG);

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return io_error(e, "create temp file for", path, errno);
    if (fchmod(fd, (mode_t)(mode & 07777)) != 0) {
        err = errno;
        rc = io_error(e, "chmod", tmp, err);
        goto fail;
    }
    if (write_all(fd, data, len) != 0) {
        err = errno;
        rc = io_error(e, "write", tmp, err);
        goto fail;
    }
    if (fsync(fd) != 0) {
        err = errno;
        rc = io_error(e, "fsync", tmp, err);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        err = errno;
        rc = io_error(e, "close", tmp, err);
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        err = errno;
        rc = io_error(e, "rename", tmp, err);
        goto fail;
    }
    dir_of(path, dir, sizeof dir);
    return scep_fsync_dir(dir, e);

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

scep_rc scep_read_file(const char *path, char **data, size_t *len, scep_error *e)
{
    char *buf = NULL, *nb;
    size_t cap = 0, used = 0;
    struct stat st;
    int fd, err;
    scep_rc rc;

    if (!path || !data)
        return scep_error_set(e, SCEP_E_INVALID, "read: no path");
    *data = NULL;
    if (len)
        *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
        if (err == ENOENT)
            return scep_error_set(e, SCEP_E_NOT_FOUND, "open %s: %s", path, strerror(err));
        return io_error(e, "open", path, err);
    }
    if (fstat(fd, &st) != 0) {
        rc = io_error(e, "stat", path, errno);
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = io_error(e, "read", path, EISDIR);
        goto out;
    }
    /* st_size is a hint only (/proc files say 0, a file may grow). */
    cap = (st.st_size > 0 && (unsigned long long)st.st_size < READ_MAX)
              ? (size_t)st.st_size + 1
              : 4096;
    for (;;) {
        ssize_t n;

        if (used + 1 >= cap || !buf) {
            size_t ncap = buf ? cap * 2 : cap;

            if (ncap > READ_MAX + 1) {
                if (used >= READ_MAX) {
                    rc = io_error(e, "read", path, EFBIG);
                    goto out;
                }
                ncap = READ_MAX + 1;
            }
            nb = realloc(buf, ncap);
            if (!nb) {
                rc = scep_error_set(e, SCEP_E_NOMEM, "read %s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        n = read(fd, buf + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = io_error(e, "read", path, errno);
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    *data = buf;
    buf = NULL;
    if (len)
        *len = used;
    rc = SCEP_OK;
out:
    free(buf);
    close(fd);
    return rc;
}
