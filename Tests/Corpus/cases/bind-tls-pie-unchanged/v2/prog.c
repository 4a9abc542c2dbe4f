/* Thread-local counters used only by a function the fix leaves alone. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__thread long ticks;
static __thread long local_ticks;

/* Unchanged by the fix: the only user of thread-local storage. */
__attribute__((noipa)) long tick(void) {
    ticks += 1;
    local_ticks += 2;
    return local_ticks - 2 * ticks;
}
__attribute__((noipa)) long compute(void) { return tick() + 100; }

static volatile long observed[3];

static void *worker(void *arg) {
    long index = (long)arg;
    for (;;) {
        observed[index] = compute();
        usleep(200);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    for (;;) {
        printf("result=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
