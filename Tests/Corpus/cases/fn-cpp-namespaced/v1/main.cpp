#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

namespace billing {
int total(int n);
double total(double n);
int cart_weight(int items);
}  // namespace billing

static volatile int seen_total, seen_weight;
static volatile double seen_half;
static volatile int input = 5;

static void *worker(void *) {
    for (;;) {
        seen_total = billing::total(input);
        seen_half = billing::total(2.0);
        seen_weight = billing::cart_weight(input);
    }
    return nullptr;
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    pthread_t threads[3];
    for (auto &thread : threads) pthread_create(&thread, nullptr, worker, nullptr);
    for (;;) {
        printf("total=%d half=%.1f weight=%d\n", seen_total, seen_half, seen_weight);
        usleep(10000);
    }
}
