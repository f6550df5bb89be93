/*
 * util.c - the injectable clock and randomness (DESIGN.md section 3).
 *
 * Both are process-wide seams (tests replace them; the daemon keeps the
 * defaults). The function/context pairs are read and written under a mutex,
 * so the worker thread always sees a consistent pair.
 */
#include "config.h"

#include "scep-int.h"

#include <limits.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

static pthread_mutex_t util_lock = PTHREAD_MUTEX_INITIALIZER;
static scep_clock_fn clock_fn;
static void *clock_ctx;
static scep_rand_fn rand_fn;
static void *rand_ctx;

void scep_set_clock(scep_clock_fn fn, void *ctx)
{
    pthread_mutex_lock(&util_lock);
    clock_fn = fn;
    clock_ctx = fn ? ctx : NULL;
    pthread_mutex_unlock(&util_lock);
}

time_t scep_now(void)
{
    scep_clock_fn fn;
    void *ctx;

    pthread_mutex_lock(&util_lock);
    fn = clock_fn;
    ctx = clock_ctx;
    pthread_mutex_unlock(&util_lock);
    return fn ? fn(ctx) : time(NULL);
}

void scep_set_rand(scep_rand_fn fn, void *ctx)
{
    pthread_mutex_lock(&util_lock);
    rand_fn = fn;
    rand_ctx = fn ? ctx : NULL;
    pthread_mutex_unlock(&util_lock);
}

/* RAND_bytes takes an int count: feed it in chunks. */
static int default_rand(unsigned char *buf, size_t n)
{
    while (n) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;

        if (RAND_bytes(buf, chunk) != 1)
            return -1;
        buf += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

int scep_random(unsigned char *buf, size_t n)
{
    scep_rand_fn fn;
    void *ctx;

    if (n == 0)
        return 0;
    if (!buf)
        return -1;
    pthread_mutex_lock(&util_lock);
    fn = rand_fn;
    ctx = rand_ctx;
    pthread_mutex_unlock(&util_lock);
    if (fn)
        return fn(ctx, buf, n) == 0 ? 0 : -1;
    return default_rand(buf, n);
}

static uint32_t random_u32(int *ok)
{
    unsigned char b[4];

    if (scep_random(b, sizeof b) != 0) {
        *ok = 0;
        return 0;
    }
    *ok = 1;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * Uniform in [lo, hi] by rejection sampling: draws below 2^32 mod n are
 * thrown away so every residue is equally likely. lo > hi is treated as the
 * swapped range. If the random source fails, lo is returned; a degenerate
 * source that keeps landing in the rejected zone is cut off after 64 tries
 * (the slight bias is better than a hang).
 */
uint32_t scep_random_range(uint32_t lo, uint32_t hi)
{
    uint32_t n, threshold, r = 0;
    int ok;

    if (lo > hi) {
        uint32_t t = lo;
        lo = hi;
        hi = t;
    }
    if (lo == hi)
        return lo;
    if (lo == 0 && hi == UINT32_MAX) {
        r = random_u32(&ok);
        return ok ? r : lo;
    }
    n = hi - lo + 1;
    threshold = (uint32_t)(0u - n) % n; /* 2^32 mod n */
    for (int tries = 0; tries < 64; tries++) {
        r = random_u32(&ok);
        if (!ok)
            return lo;
        if (r >= threshold)
            break;
    }
    return lo + r % n;
}

int scep_media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);

    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, n) != 0) /* RFC 9110 8.3.1: case-insensitive */
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}
