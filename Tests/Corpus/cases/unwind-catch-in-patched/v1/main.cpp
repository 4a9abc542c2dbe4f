// Workers call guarded(), which catches what its callee throws by type (the patch's LSDA with
// its type table: typeinfo references bound to the running program's).
#include <cstdio>
#include <pthread.h>
#include <unistd.h>

int guarded(int value);

static volatile int observed[2];

static void *worker(void *arg) {
    long slot = (long)arg;
    for (;;) {
        observed[slot] = guarded(7);
        usleep(200);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (long i = 0; i < 2; i++) pthread_create(&threads[i], nullptr, worker, (void *)i);
    for (;;) {
        printf("guarded=%d\n", observed[0]);
        usleep(10000);
    }
}
