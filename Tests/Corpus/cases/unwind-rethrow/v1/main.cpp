// Workers call forward(), which catches what load() throws, notes it and rethrows with `throw;`
// (__cxa_rethrow starts a second unwind from inside the patched frame's handler).
#include <cstdio>
#include <pthread.h>
#include <stdexcept>
#include <unistd.h>

int forward(int value);
extern int noted;

static volatile int observed[2];
static volatile int input = 9;

static void *worker(void *arg) {
    long slot = (long)arg;
    for (;;) {
        __atomic_store_n(&noted, 0, __ATOMIC_RELAXED);
        try {
            observed[slot] = forward(input);
        } catch (const std::range_error &) {
            observed[slot] = 1000 + __atomic_load_n(&noted, __ATOMIC_RELAXED);
        }
        usleep(200);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (long i = 0; i < 2; i++) pthread_create(&threads[i], nullptr, worker, (void *)i);
    for (;;) {
        printf("rethrown=%d\n", observed[0]);
        usleep(10000);
    }
}
