/* the unlikely block gcc moves to checked_div.cold changes; the hot part does not. */
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
        return -2;
    }
    return a / b;
}

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
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
