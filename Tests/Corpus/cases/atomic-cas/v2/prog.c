/* a compare-and-swap loop on a shared word changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static long shared_max;
static volatile long input = 77;
static volatile long observed;

__attribute__((noinline)) long raise_max(long v) {
    long seen = __atomic_load_n(&shared_max, __ATOMIC_RELAXED);
    while (seen < v && !__atomic_compare_exchange_n(&shared_max, &seen, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return __atomic_load_n(&shared_max, __ATOMIC_RELAXED) + 1;
}

/* Work outside the function under test, as a real program has, with a short pause every 64 calls
   so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
   value kept in a register across the call would make the caller depend on the callee's
   register use (gcc's -fipa-ra), a different case. */
__attribute__((noinline)) static void other_work(void) {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = raise_max(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("max=%ld\n", observed);
        usleep(10000);
    }
}
