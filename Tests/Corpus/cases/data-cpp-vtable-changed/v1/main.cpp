// Worker threads measure shapes through virtual calls; the reporter prints what they see.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int measure(int kind, int size);

static volatile int observed_square, observed_circle;

static void *worker(void *) {
    for (;;) {
        observed_square = measure(0, 3);
        observed_circle = measure(1, 2);
        usleep(50);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], nullptr, worker, nullptr);
    for (;;) {
        printf("square=%d circle=%d\n", observed_square, observed_circle);
        usleep(10000);
    }
}
