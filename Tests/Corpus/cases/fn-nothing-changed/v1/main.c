#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

const char *level_name(int k);
int score(int k, int x);

static volatile int which = 4;
static const char *volatile seen_level = "";
static volatile int seen_score;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_level = level_name(which);
        seen_score = score(which, 10);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("level=%s score=%d\n", seen_level, seen_score);
        usleep(10000);
    }
}
