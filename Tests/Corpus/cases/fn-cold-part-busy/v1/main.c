#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int validate(int k);

static volatile int input = 2;
static volatile int seen_good;

static void *stuck(void *arg) {
    (void)arg;
    validate(-1); /* parks this thread inside validate.cold */
    return NULL;
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_good = validate(input);
        usleep(100);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    pthread_create(&threads[0], NULL, stuck, NULL);
    for (int i = 1; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("good=%d\n", seen_good);
        usleep(10000);
    }
}
