/* The fix adds a __thread variable. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__thread long ticks;
static __thread long fresh;
__attribute__((noipa)) void step(void) {
    fresh += 1;
    ticks += fresh > 0 ? 1 : 0;
    ticks += 1;
}

static volatile long observed[3];

static void *worker(void *arg) {
    long index = (long)arg;
    for (;;) {
        long before = ticks;
        step();
        observed[index] = ticks - before;
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
