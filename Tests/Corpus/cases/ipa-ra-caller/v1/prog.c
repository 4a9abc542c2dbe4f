/* the fix makes a callee use more registers; its caller, compiled knowing which registers the old callee kept (gcc -fipa-ra), changes too. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile long input = 6;
static volatile long observed;

__attribute__((noinline)) long helper(long x) { return x + 1; }

__attribute__((noinline)) long combine(long x, long y, long z) {
    long a = helper(x);
    long b = helper(y);
    return a * b + x + y + z;
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
        observed = combine(input, input + 1, input + 2);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("combine=%ld\n", observed);
        usleep(10000);
    }
}
