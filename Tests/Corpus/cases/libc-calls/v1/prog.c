/* the changed function calls snprintf, strlen and memcpy. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <string.h>

static volatile int input = 7;
static char shown[64];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void render(int x, char *out, size_t size) {
    char buffer[48];
    snprintf(buffer, sizeof buffer, "value:%d", x);
    size_t length = strlen(buffer);
    memcpy(out, buffer, length + 1 < size ? length + 1 : size);
}

/* Work outside the function under test, as a real program has, with a short pause every 64 calls
   so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
   value kept in a register across the call would make the caller depend on the callee's
   register use (gcc's -fipa-ra), a different case. */
__attribute__((noinline)) static void other_work(void) {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        char local[64];
        render(input, local, sizeof local);
        pthread_mutex_lock(&lock);
        memcpy(shown, local, sizeof shown);
        pthread_mutex_unlock(&lock);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        pthread_mutex_lock(&lock);
        printf("render=%s\n", shown);
        pthread_mutex_unlock(&lock);
        usleep(10000);
    }
}
