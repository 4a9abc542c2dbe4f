/*
 * A drop-in replacement for libapr's apr_time_now (unix/time.c in APR 1.7), used by the load
 * test to hotpatch a real multi-threaded server (Apache httpd, mpm_event) on its request path.
 *
 * It returns exactly what the original returns: the wall clock in microseconds. The original calls
 * gettimeofday, which glibc on x86-64 makes an IFUNC (resolved at load time, which the agent cannot
 * bind); clock_gettime(CLOCK_REALTIME) reads the same clock, truncated to the same microsecond,
 * and is a plain function. So that a test can
 * prove the new code runs under load, every 4096th call (and the first) appends this process's
 * pid as one line to MARKER: the original never writes anything, so a growing marker file means
 * the patched function is being called. The counter and the path live in the patch's own .bss
 * and .rodata.
 */
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define APR_USEC_PER_SEC 1000000LL
#define MARKER "/var/tmp/hotpatch-apr-fix.calls"

typedef int64_t apr_time_t;

static unsigned long apr_fix_calls;

/* Appends "<pid>\n" to MARKER without stdio (async-signal-safe, no allocation). */
static void apr_fix_mark(void)
{
    char line[24];
    int at = (int)sizeof line;
    unsigned long pid = (unsigned long)getpid();
    line[--at] = '\n';
    do {
        line[--at] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid != 0 && at > 0);
    int fd = open(MARKER, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd >= 0) {
        (void)!write(fd, line + at, sizeof line - (size_t)at);
        close(fd);
    }
}

apr_time_t apr_time_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if ((__atomic_fetch_add(&apr_fix_calls, 1, __ATOMIC_RELAXED) & 4095) == 0)
        apr_fix_mark();
    return now.tv_sec * APR_USEC_PER_SEC + now.tv_nsec / 1000;
}
