/*
 * kslock.c - the key store directory shared with other processes (sceptool
 * --store): the lock files (scep-int.h, KS_LOCK_FILE and
 * KS_STORE_LOCK_FILE) and the writability check before an SNMP delete.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int flock_file(const scep_keystore *ks, const char *file, int op)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", scep_keystore_dir(ks), file);
    /* A descriptor of its own for every operation: flock() is per open file,
     * so two threads of one process holding the same one would share a lock
     * (and one's unlock would drop the other's). */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, op) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

scep_rc scep_keystore_writable(scep_keystore *ks, scep_error *e)
{
    const char *dir = scep_keystore_dir(ks);
    if (access(dir, W_OK) != 0)
        return scep_error_set(e, SCEP_E_IO, "key store %s: %s", dir, strerror(errno));
    return SCEP_OK;
}

int scep_ks_flock(const scep_keystore *ks, int op)
{
    return flock_file(ks, KS_LOCK_FILE, op);
}

int scep_ks_store_flock(const scep_keystore *ks)
{
    return flock_file(ks, KS_STORE_LOCK_FILE, LOCK_EX);
}

void scep_ks_funlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the lock */
}
