// Workers call outer(), which calls inner(), which throws; both are patched, so the exception
// crosses two patched frames (outer's destructor runs) before the unpatched caller catches it.
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <stdexcept>
#include <unistd.h>

int outer(int value);
int cleanup_mark;

static char seen[2][48];

static void *worker(void *arg) {
    long slot = (long)arg;
    for (;;) {
        __atomic_store_n(&cleanup_mark, 0, __ATOMIC_RELAXED);
        try {
            outer(5);
            strcpy(seen[slot], "none");
        } catch (const std::runtime_error &error) {
            snprintf(seen[slot], sizeof seen[slot], "%s cleanup=%d", error.what(),
                     __atomic_load_n(&cleanup_mark, __ATOMIC_RELAXED));
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
        printf("caught=%s\n", seen[0]);
        usleep(10000);
    }
}
