/* time and gettimeofday are IFUNCs in glibc; the target imports both. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/time.h>
#include <time.h>
long started;
__attribute__((noipa)) long compute(void) { return time(NULL) >= started; }

static volatile long observed[3];

static void *worker(void *arg) {
    long index = (long)arg;
    for (;;) {
        observed[index] = compute();
        usleep(200);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct timeval boot;
    gettimeofday(&boot, NULL);
    started = boot.tv_sec;
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    for (;;) {
        printf("clock=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
