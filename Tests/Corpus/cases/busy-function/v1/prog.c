/* one thread is blocked forever inside the function the fix changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int never_written[2];
static volatile int input = 1;
static volatile int observed;

__attribute__((noinline)) int wait_for_work(int fd) {
    char c = 0;
    if (read(fd, &c, 1) != 1) return -1;
    return c + 1;
}

__attribute__((noinline)) int status_code(int x) { return x; }

static void *blocked(void *arg) {
    (void)arg;
    wait_for_work(never_written[0]);
    return NULL;
}

__attribute__((noinline)) static void other_work(void) {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = status_code(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(never_written) != 0) return 1;
    pthread_t threads[3];
    pthread_create(&threads[0], NULL, blocked, NULL);
    for (int i = 1; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("status=%d\n", observed);
        usleep(10000);
    }
}
