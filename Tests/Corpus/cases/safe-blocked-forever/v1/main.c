#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int serve(int fd);

static atomic_int last;
static int pipefd[2];

static void *spinner(void *arg) {
    (void)arg;
    volatile int none = -1;
    for (;;) atomic_store(&last, serve(none));
    return NULL;
}

static void *waiter(void *arg) {
    (void)arg;
    serve(pipefd[0]);
    printf("unexpected: read returned\n");
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipefd) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, spinner, NULL);
    pthread_create(&t, NULL, spinner, NULL);
    pthread_create(&t, NULL, waiter, NULL);
    for (;;) {
        struct timespec ms = {0, 10000000};
        nanosleep(&ms, NULL);
        int value = atomic_load(&last);
        if (value) printf("serve=%d\n", value);
    }
}
