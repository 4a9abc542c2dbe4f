#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "counter.h"

/* Prints describe(N) every 50 ms until killed: the running service a patch is applied to. */
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    struct timespec pause = {0, 50 * 1000 * 1000};
    char line[64];
    for (;;) {
        describe(n, line, sizeof line);
        printf("%s\n", line);
        fflush(stdout);
        nanosleep(&pause, NULL);
    }
}
