// Workers call run(), whose callee check() throws; the exception passes through run's frame,
// where a Guard's destructor must run, and is caught here. The line says whether it ran.
#include <cstdio>
#include <pthread.h>
#include <stdexcept>
#include <unistd.h>

int run(int value);
extern int destroyed_by;  // set by the Guard in run's frame as it unwinds

static volatile int observed[2];

static void *worker(void *arg) {
    long slot = (long)arg;
    for (;;) {
        __atomic_store_n(&destroyed_by, 0, __ATOMIC_RELAXED);
        try {
            run(-1);
            observed[slot] = -1;
        } catch (const std::invalid_argument &) {
            observed[slot] = __atomic_load_n(&destroyed_by, __ATOMIC_RELAXED) != 0 ? destroyed_by : 99;
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
        printf("cleanup=%d\n", observed[0]);
        usleep(10000);
    }
}
