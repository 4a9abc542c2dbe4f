/* the fix changes the initializer of an existing writable variable. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int exchange_rate = 10;
static volatile int input = 3;
static volatile int observed;

__attribute__((noinline)) int convert(int x) { return x * exchange_rate; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = convert(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("convert=%d\n", observed);
        usleep(10000);
    }
}
