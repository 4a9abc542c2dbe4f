// The configuration is 7 while the first calls initialize scaled's static, 9 afterwards.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int scaled(int x);

static volatile int config = 7;
static volatile int observed;

__attribute__((noipa)) int read_config() { return config; }

static void *worker(void *) {
    for (;;) {
        observed = scaled(10);
        usleep(50);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    observed = scaled(10);
    config = 9;
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], nullptr, worker, nullptr);
    for (;;) {
        printf("scaled=%d\n", observed);
        usleep(10000);
    }
}
