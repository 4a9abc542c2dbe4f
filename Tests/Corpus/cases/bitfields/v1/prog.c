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

/* Work outside the function under test, as a real program has, with a short pause every 64 calls
   so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
   value kept in a register across the call would make the caller depend on the callee's
   register use (gcc's -fipa-ra), a different case. */
__attribute__((noinline)) static void other_work(void) {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
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
