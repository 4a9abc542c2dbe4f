#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "convert.h"

/* Prints celsius(F) every 50 ms until killed: the running service a patch is applied to. */
int main(int argc, char **argv) {
    int fahrenheit = argc > 1 ? atoi(argv[1]) : 212;
    struct timespec pause = {0, 50 * 1000 * 1000};
    for (;;) {
        printf("%dF = %dC\n", fahrenheit, celsius(fahrenheit));
        fflush(stdout);
        nanosleep(&pause, NULL);
    }
}
