#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int use_scale(int x);
int use_weigh(int x);

static volatile int seen_scale, seen_weigh;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_scale = use_scale(4);
        seen_weigh = use_weigh(4);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("scale=%d weigh=%d\n", seen_scale, seen_weigh);
        usleep(10000);
    }
}
