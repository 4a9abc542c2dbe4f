#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int fee(int x);
int limit(int x);

static volatile int input = 4;
static volatile int seen_fee, seen_limit, failed_line;

void check_failed(const char *file, int line, const char *what) {
    (void)file;
    (void)what;
    failed_line = line;
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_fee = fee(input);
        seen_limit = limit(input);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("fee=%d limit=%d failed=%d\n", seen_fee, seen_limit, failed_line);
        usleep(10000);
    }
}
