/* strcmp, memcpy and memset, all glibc IFUNCs, called by the fixed function. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
char word[32] = "hotpatch";
char other[32] = "hotfix";
size_t span = 9;
__attribute__((noipa)) long compute(void) {
    char copy[32];
    memcpy(copy, word, span);
    memset(copy, 'a', span - 1);
    int order = strcmp(copy, other);
    return order > 0 ? 1 : order < 0 ? -1 : 0;
}

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
        printf("cmp=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
