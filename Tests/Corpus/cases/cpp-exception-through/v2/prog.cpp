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

__attribute__((noinline)) int doubled(int x) { return validate(x) * 3; }

__attribute__((noinline)) static int doubled_or(int x, int fallback) {
    try {
        return doubled(x);
    } catch (const std::out_of_range &) {
        return fallback;
    }
}

// Work outside the function under test, as a real program has, with a short pause every few calls
// so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
// value kept in a register across the call would make the caller depend on the callee's register
// use (gcc's -fipa-ra), a different case.
__attribute__((noinline)) static void other_work() {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 1 == 0) usleep(50);
}

static void worker() {
    for (;;) {
        seen_good = doubled_or(good, -100);
        seen_bad = doubled_or(bad, -100);
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
