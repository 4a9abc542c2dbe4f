#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

void arm(int v);
int armed_level(void);
int count_hit(void);
int bonus(int x);

static volatile int seen_level, seen_capped, seen_bonus;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_level = armed_level();
        seen_capped = count_hit();
        seen_bonus = bonus(10);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    arm(1);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    while (seen_capped == 0) usleep(1000);
    for (;;) {
        printf("armed=%d capped=%d bonus=%d\n", seen_level, seen_capped, seen_bonus);
        usleep(10000);
    }
}
