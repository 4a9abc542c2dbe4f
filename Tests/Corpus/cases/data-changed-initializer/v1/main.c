/* The program around proto.c: worker threads dispatch commands, the reporter prints what they see. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int dispatch(const char *command, int key);

static volatile int observed_get, observed_set;
static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed_get = dispatch("get", 21);
        observed_set = dispatch("set", 1);
        usleep(50);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("get=%d set=%d\n", observed_get, observed_set);
        usleep(10000);
    }
}
