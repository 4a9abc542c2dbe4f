// a lambda passed to std::count_if changes.
#include <algorithm>
#include <cstdio>
#include <thread>
#include <unistd.h>
#include <vector>

#include <algorithm>

static volatile int limit = 10;
static volatile long observed;

__attribute__((noinline)) long count_small(const std::vector<int> &values) {
    int bound = limit;
    return std::count_if(values.begin(), values.end(), [bound](int v) { return v < bound; });
}

// Work outside the function under test between calls, as a real program has.
__attribute__((noinline)) static void other_work() {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void worker() {
    std::vector<int> values = {1, 4, 9, 10, 12, 15, 20};
    for (;;) {
        observed = count_small(values);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("count=%ld\n", observed);
        usleep(10000);
    }
}
