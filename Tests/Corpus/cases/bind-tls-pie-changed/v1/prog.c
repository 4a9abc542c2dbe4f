/* Each thread measures how far step() moves its own thread-local counters. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__thread long ticks;
static __thread long local_ticks;
static __thread long local_spare;
__attribute__((noipa)) void step(void) {
    ticks += 1;
    local_ticks += 1;
    local_spare += 1;
}

static volatile long observed[3];

static void *worker(void *arg) {
    long index = (long)arg;
    for (;;) {
        long before = ticks + local_ticks + local_spare;
        step();
        observed[index] = ticks + local_ticks + local_spare - before;
        usleep(200);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    for (;;) {
        printf("steps=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
