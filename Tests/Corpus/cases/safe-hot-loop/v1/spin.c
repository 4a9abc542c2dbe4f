#include <time.h>

/* About 1 ms of work per call: a thread calling it in a loop is almost always inside. */
int spin(int unit) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 1000000);
    return unit;
}
