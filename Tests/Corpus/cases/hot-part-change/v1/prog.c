/* the hot part of a function with a .cold part changes; the part must travel with it. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 84, divisor = 2, zero = 0;
static volatile int hot_result, cold_result;
static volatile int failures;

__attribute__((cold, noinline)) void note_failure(int a) { failures += a; }

__attribute__((noinline)) int checked_div(int a, int b) {
    if (__builtin_expect(b == 0, 0)) {
        note_failure(a);
        note_failure(a + 1);
        return -1;
    }
    return a / b;
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
        hot_result = checked_div(input, divisor);
        cold_result = checked_div(input, zero);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("hot=%d cold=%d\n", hot_result, cold_result);
        usleep(10000);
    }
}
