/* two functions change in one patch. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 7;
static volatile int seen_first, seen_second;

__attribute__((noinline)) int first(int x) { return x + 10; }
__attribute__((noinline)) int second(int x) { return x * 20; }
__attribute__((noinline)) int third(int x) { return x - 1; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_first = first(input);
        seen_second = second(third(input));
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("first=%d second=%d\n", seen_first, seen_second);
        usleep(10000);
    }
}
