/* a global set at run time; the fix reads it: it must read the live value. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int limit;
static volatile int input = 100;
static volatile int observed;

__attribute__((noinline)) int clamp(int x) { return x < limit ? x : limit; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = clamp(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    limit = 40;
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("clamp=%d\n", observed);
        usleep(10000);
    }
}
