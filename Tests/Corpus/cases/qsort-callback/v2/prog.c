/* a qsort comparator changes: libc calls back into the patched function. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <stdlib.h>

static volatile int seed = 3;
static volatile int seen_first, seen_last;

__attribute__((noinline)) int by_value(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
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
        int values[6] = {seed, 9, 1, 7, 4, 6};
        qsort(values, 6, sizeof values[0], by_value);
        seen_first = values[0];
        seen_last = values[5];
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("first=%d last=%d\n", seen_first, seen_last);
        usleep(10000);
    }
}
