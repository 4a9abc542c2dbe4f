#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int validate(int k);
int checksum(int k);

static volatile int seen_bad, seen_good, seen_sum;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_bad = validate(-1);
        seen_good = validate(2);
        seen_sum = checksum(3);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("bad=%d good=%d sum=%d\n", seen_bad, seen_good, seen_sum);
        usleep(10000);
    }
}
