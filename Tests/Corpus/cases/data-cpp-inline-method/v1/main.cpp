// Worker threads call total; the reporter prints what they see.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int total(int base);

static volatile int observed;

static void *worker(void *) {
    for (;;) {
        observed = total(20);
        usleep(50);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], nullptr, worker, nullptr);
    for (;;) {
        printf("total=%d\n", observed);
        usleep(10000);
    }
}
