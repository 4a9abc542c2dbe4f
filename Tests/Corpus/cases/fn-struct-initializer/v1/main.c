#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

long limits_window(long k);
long retry_policy(long k);

static volatile long seen_window, seen_retries;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_window = limits_window(2);
        seen_retries = retry_policy(1);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("window=%ld retries=%ld\n", seen_window, seen_retries);
        usleep(10000);
    }
}
