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

// Work outside the function under test, as a real program has, with a short pause every few calls
// so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
// value kept in a register across the call would make the caller depend on the callee's register
// use (gcc's -fipa-ra), a different case.
__attribute__((noinline)) static void other_work() {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
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
