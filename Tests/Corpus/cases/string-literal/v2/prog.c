/* the fix changes a string literal the function returns. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 7;
static const char *volatile observed = "none";

__attribute__((noinline)) const char *describe(int x) { return x > 5 ? "large" : "small"; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = describe(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("describe=%s\n", observed);
        usleep(10000);
    }
}
