// Two workers call parse(), which throws; the unpatched caller catches and records the message.
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <stdexcept>
#include <unistd.h>

int parse(int value);

static char seen[2][32];

static void *worker(void *arg) {
    long slot = (long)arg;
    for (;;) {
        try {
            parse(150);
            strcpy(seen[slot], "none");
        } catch (const std::invalid_argument &error) {
            strncpy(seen[slot], error.what(), sizeof seen[slot] - 1);
        }
        usleep(200);  // most of the time outside the throw, so a safe point comes often
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
