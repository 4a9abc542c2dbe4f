/* double arithmetic with literals in .rodata.cst8. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile double input = 2.0;
static volatile double observed;

__attribute__((noinline)) double area(double r) { return 3.14159 * r * r + 0.5; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = area(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("area=%.3f\n", observed);
        usleep(10000);
    }
}
