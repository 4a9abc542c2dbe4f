/* multi-file program: threads and reporter; the fix is in calc.c only. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "calc.h"

static volatile int input = 200;
static volatile int seen_tax, seen_net;

__attribute__((noinline)) static void other_work(void) {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_tax = tax(input);
        seen_net = net(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("tax=%d net=%d %s\n", seen_tax, seen_net, unit_name());
        usleep(10000);
    }
}
