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
        more[i] = 3 * i;
    }
    int total = 0;
    for (int i = 0; i < n; i++) total += values[i] + more[i];
    return total;
}

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
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
