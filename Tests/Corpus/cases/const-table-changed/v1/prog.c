/* a const lookup table changes; the function reading it is otherwise the same. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static const int primes[] = {2, 3, 5, 7, 11, 13, 17, 19};
static volatile int input = 5;
static volatile int observed;

__attribute__((noinline)) int nth_prime(int n) { return primes[n & 7]; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = nth_prime(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("prime=%d\n", observed);
        usleep(10000);
    }
}
