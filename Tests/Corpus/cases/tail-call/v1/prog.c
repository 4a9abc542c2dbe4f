/* a function whose call to another is a tail call (jmp) changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 4;
static volatile int observed;

__attribute__((noinline)) int inner(int x) { return x * 5; }
__attribute__((noinline)) int outer(int x) { return inner(x + 1); }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = outer(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("outer=%d\n", observed);
        usleep(10000);
    }
}
