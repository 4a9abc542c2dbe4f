/* a static table of function pointers; the fix changes one entry's function. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

typedef int (*op_fn)(int, int);

__attribute__((noinline)) int op_add(int a, int b) { return a + b; }
__attribute__((noinline)) int op_sub(int a, int b) { return b - a; }
__attribute__((noinline)) int op_mul(int a, int b) { return a * b; }

static op_fn const ops[] = {op_add, op_sub, op_mul};
static volatile int which = 1;
static volatile int observed;

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = ops[which](10, 3);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("op=%d\n", observed);
        usleep(10000);
    }
}
