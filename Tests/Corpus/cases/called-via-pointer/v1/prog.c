/* the changed function is only ever called through a pointer stored at run time. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 6;
static volatile int observed;
static int (*volatile handler)(int);

__attribute__((noinline)) int on_event(int x) { return x * x; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = handler(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    handler = on_event;
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("handler=%d\n", observed);
        usleep(10000);
    }
}
