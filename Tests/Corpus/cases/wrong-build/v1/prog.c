/* the patch is made for this build and applied to another build of the same sources. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 21;
static volatile int observed;

__attribute__((noinline)) int compute(int x) { return x * 2; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = compute(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("compute=%d\n", observed);
        usleep(10000);
    }
}
