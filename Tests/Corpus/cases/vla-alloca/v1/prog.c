/* a function using a variable-length array and alloca changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <alloca.h>

static volatile int input = 12;
static volatile int observed;

__attribute__((noinline)) int stack_sum(int n) {
    int values[n];
    int *more = alloca(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        values[i] = i;
        more[i] = 2 * i;
    }
    int total = 0;
    for (int i = 0; i < n; i++) total += values[i] + more[i];
    return total;
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
        observed = stack_sum(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("stack_sum=%d\n", observed);
        usleep(10000);
    }
}
