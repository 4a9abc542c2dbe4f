#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

int spin(int unit);

static atomic_int last;

static void *spinner(void *arg) {
    (void)arg;
    volatile int unit = 1;
    for (;;) atomic_store(&last, spin(unit));
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    for (int i = 0; i < 3; i++) pthread_create(&t, NULL, spinner, NULL);
    for (;;) {
        struct timespec ms = {0, 10000000};
        nanosleep(&ms, NULL);
        int value = atomic_load(&last);
        if (value) printf("spin=%d\n", value);
    }
}
