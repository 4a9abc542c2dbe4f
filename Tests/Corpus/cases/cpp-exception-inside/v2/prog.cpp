// a function throws and catches inside itself; the fix changes the handler.
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

#include <stdexcept>

static volatile int input = -4;
static volatile int observed;

__attribute__((noinline)) static void require_positive(int x) {
    if (x < 0) throw std::invalid_argument("negative");
}

__attribute__((noinline)) int safe_sqrt_floor(int x) {
    try {
        require_positive(x);
        int r = 0;
        while ((r + 1) * (r + 1) <= x) r++;
        return r;
    } catch (const std::invalid_argument &) {
        return -2;
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
        observed = safe_sqrt_floor(input);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("sqrt=%d\n", observed);
        usleep(10000);
    }
}
