/* The target imports strcasecmp (an IFUNC) but never calls it before the patch: its lazy JUMP_SLOT still holds the PLT stub. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
char word[32] = "hotpatch";
__attribute__((noipa)) long compute(void) { return -1; }

static volatile long observed[3];

static void *worker(void *arg) {
    long index = (long)arg;
    for (;;) {
        observed[index] = compute();
        usleep(200);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 5) printf("%d\n", strcasecmp(argv[1], argv[2]));
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    for (;;) {
        printf("same=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
