// an exception crosses the patched frame: thrown below it, caught above it.
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

#include <stdexcept>

static volatile int good = 9, bad = -1;
static volatile int seen_good, seen_bad;

__attribute__((noinline)) static int validate(int x) {
    if (x < 0) throw std::out_of_range("below zero");
    return x;
}

__attribute__((noinline)) int doubled(int x) { return validate(x) * 2; }

__attribute__((noinline)) static int doubled_or(int x, int fallback) {
    try {
        return doubled(x);
    } catch (const std::out_of_range &) {
        return fallback;
    }
}

// Work outside the function under test between bursts of calls, as a real program has (a pause,
// so the many programs of a corpus run leave the machine usable).
__attribute__((noinline)) static void other_work() { usleep(50); }

static void worker() {
    for (;;) {
        for (int burst = 0; burst < 1; burst++) {
        seen_good = doubled_or(good, -100);
        seen_bad = doubled_or(bad, -100);
        }
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("good=%d bad=%d\n", seen_good, seen_bad);
        usleep(10000);
    }
}
