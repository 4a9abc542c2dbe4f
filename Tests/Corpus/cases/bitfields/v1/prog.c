/* a function packing bitfields changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

struct flags { unsigned mode : 3; unsigned level : 5; unsigned on : 1; };

static volatile unsigned input = 9;
static volatile unsigned observed;

__attribute__((noinline)) unsigned pack(unsigned v) {
    struct flags f = {0};
    f.mode = v;
    f.level = v * 2;
    f.on = 1;
    unsigned out;
    __builtin_memcpy(&out, &f, sizeof out);
    return out & 0x1ff;
}

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = pack(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("pack=%u\n", observed);
        usleep(10000);
    }
}
