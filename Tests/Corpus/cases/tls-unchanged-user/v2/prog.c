/* a thread-local variable is used by an unchanged function of the file; the fix is elsewhere. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static __thread int depth;
static volatile int input = 8;
static volatile int seen_level, seen_value;

__attribute__((noinline)) int level(void) { return ++depth > 0; }
__attribute__((noinline)) int value(int x) { return x + 3; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_level = level();
        seen_value = value(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("level=%d value=%d\n", seen_level, seen_value);
        usleep(10000);
    }
}
