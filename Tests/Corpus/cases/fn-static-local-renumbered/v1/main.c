#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int scaled(int x, int set);
int offset_of(int set);

static volatile int seen_scaled, seen_offset;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_scaled = scaled(3, 0);
        seen_offset = offset_of(0);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    scaled(0, 7); /* the running state the patched scaled must keep using */
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("scaled=%d offset=%d\n", seen_scaled, seen_offset);
        usleep(10000);
    }
}
