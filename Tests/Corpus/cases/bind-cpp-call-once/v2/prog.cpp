// std::call_once stores into libstdc++'s thread-local __once_callable/__once_call (initial exec
// through the target's own TPOFF64 GOT slots) on every call.
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

static std::once_flag flag;
static long base;

__attribute__((noipa)) long compute() {
    std::call_once(flag, [] { base = 40; });
    return base + 2;
}

static volatile long observed[3];

static void *worker(void *arg) {
    long index = (long)arg;
    for (;;) {
        observed[index] = compute();
        usleep(200);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], nullptr, worker, (void *)i);
    for (;;) {
        std::printf("once=%ld,%ld,%ld\n", observed[0], observed[1], observed[2]);
        usleep(10000);
    }
}
