/* the fix adds a new helper function that the changed function calls. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 250;
static volatile int observed;

__attribute__((noinline)) int scale(int x) { return x * 3; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = scale(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("scale=%d\n", observed);
        usleep(10000);
    }
}
