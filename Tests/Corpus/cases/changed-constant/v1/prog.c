/* the fix changes a #define constant used in one function. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define BUCKETS 16

static volatile unsigned input = 1000;
static volatile unsigned observed;

__attribute__((noinline)) unsigned bucket_of(unsigned key) { return (key * 2654435761u) % BUCKETS; }

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = bucket_of(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("bucket=%u\n", observed);
        usleep(10000);
    }
}
