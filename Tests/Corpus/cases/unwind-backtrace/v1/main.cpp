// Workers compare backtrace() depth seen from probe() (called by the patched relay()) with the
// depth seen one call above relay(): the difference is the number of frames between them, and
// stays that small only when the unwinder walks through relay's frame.
#include <cstdio>
#include <execinfo.h>
#include <pthread.h>
#include <unistd.h>

int relay(int value);

static volatile int observed[2];

__attribute__((noinline)) int depth() {
    void *frames[64];
    return backtrace(frames, 64);
}

__attribute__((noinline)) int worker_step(long slot) {
    int base = depth();  // depth() + worker_step + everything above
    int deep = relay(0);  // probe's depth() inside relay
    observed[slot] = deep - base;
    return deep;
}

static void *worker(void *arg) {
    for (;;) {
        worker_step((long)arg);
        usleep(200);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (long i = 0; i < 2; i++) pthread_create(&threads[i], nullptr, worker, (void *)i);
    for (;;) {
        printf("extra-frames=%d\n", observed[0]);
        usleep(10000);
    }
}
