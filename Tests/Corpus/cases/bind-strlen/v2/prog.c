/* The fix calls strlen (a glibc IFUNC) where the old code did not. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
char word[32] = "hotpatch";
__attribute__((noipa)) long compute(void) { return (long)strlen(word); }

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
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    for (;;) {
        printf("len=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
