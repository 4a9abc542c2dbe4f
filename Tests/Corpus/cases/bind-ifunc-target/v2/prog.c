/* An IFUNC defined in the program; the fixed caller must reach the chosen implementation. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static long pick_a(long x) { return x + 1; }
static long pick_b(long x) { return x + 2; }
/* Runs at load time; every x86-64 has SSE2, so the process always gets pick_b. */
static long (*resolve_pick(void))(long) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse2") ? pick_b : pick_a;
}
long pick(long x) __attribute__((ifunc("resolve_pick")));
__attribute__((noipa)) long compute(void) { return pick(20); }

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
        printf("pick=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
