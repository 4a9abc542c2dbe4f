#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

double area(double r);
double fee(double amount);

static volatile double seen_fee, seen_area;

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        seen_fee = fee(100.0);
        seen_area = area(2.0);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("fee=%.2f area=%.2f\n", seen_fee, seen_area);
        usleep(10000);
    }
}
