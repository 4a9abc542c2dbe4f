#include <time.h>
#include <unistd.h>

/* With a descriptor: wait for one byte (nobody ever writes one). Without: ~1 ms of work. */
int serve(int fd) {
    if (fd >= 0) {
        char c;
        return (int)read(fd, &c, 1);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 1000000);
    return 2;
}
