/* The program around the file under test: worker threads call it, the reporter prints what they see. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int store_read(int block);
int store_write(int block);
static volatile int observed_read, observed_write;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed_read = store_read(10);
        observed_write = store_write(10);
        usleep(50);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("read=%d write=%d\n", observed_read, observed_write);
        usleep(10000);
    }
}
