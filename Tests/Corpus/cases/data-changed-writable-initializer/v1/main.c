/* Worker threads convert; the reporter prints what they see. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int convert(int x);

static volatile int observed;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = convert(3);
        usleep(50);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("convert=%d\n", observed);
        usleep(10000);
    }
}
