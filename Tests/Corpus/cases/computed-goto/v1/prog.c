/* a bytecode loop with computed gotos (labels as values) changes one operation. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 6;
static volatile int observed;

__attribute__((noinline)) int run_program(int x) {
    static const unsigned char code[] = {0, 1, 0, 2, 3};
    static const void *const ops[] = {&&op_inc, &&op_double, &&op_dec, &&op_end};
    const unsigned char *pc = code;
    goto *ops[*pc++];
op_inc:
    x += 1;
    goto *ops[*pc++];
op_double:
    x *= 2;
    goto *ops[*pc++];
op_dec:
    x -= 3;
    goto *ops[*pc++];
op_end:
    return x;
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
        observed = run_program(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("program=%d\n", observed);
        usleep(10000);
    }
}
