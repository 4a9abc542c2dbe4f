/* a static inline helper changes: every caller that inlined it changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 5;
static volatile int seen_left, seen_right;

static inline int weight(int x) { return x * 3 + 1; }

__attribute__((noinline)) int left(int x) { return weight(x) + 1; }
__attribute__((noinline)) int right(int x) { return weight(x) * 2; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_left = left(input);
        seen_right = right(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("left=%d right=%d\n", seen_left, seen_right);
        usleep(10000);
    }
}
