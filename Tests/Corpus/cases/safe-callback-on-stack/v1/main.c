#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

int compute(int x);

static atomic_int last;

/* Keeps the callback in its frame (on the stack) and sleeps for good. */
__attribute__((noinline)) static void keep_and_sleep(int (*callback)(int)) {
    int (*volatile kept)(int) = callback;
    for (;;) {
        struct timespec long_time = {1000, 0};
        nanosleep(&long_time, NULL);
    }
    (void)kept;
}

static void *sleeper(void *arg) {
    (void)arg;
    keep_and_sleep(compute);
    return NULL;
}

static void *worker(void *arg) {
    (void)arg;
    volatile int input = 41;
    for (;;) {
        atomic_store(&last, compute(input));
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, worker, NULL);
    pthread_create(&t, NULL, worker, NULL);
    for (;;) {
        struct timespec ms = {0, 10000000};
        nanosleep(&ms, NULL);
        int value = atomic_load(&last);
        if (value) printf("compute=%d\n", value);
    }
}
