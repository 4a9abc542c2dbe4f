#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int switcher(int op, int v);
int lookup(int v);

static volatile int which = 4;
static volatile int seen_switch;
static volatile int seen_lookup;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_switch = switcher(which, 10);
        seen_lookup = lookup(120);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("switch=%d lookup=%d\n", seen_switch, seen_lookup);
        usleep(10000);
    }
}
