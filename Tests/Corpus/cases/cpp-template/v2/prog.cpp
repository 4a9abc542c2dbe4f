// a function template changes: both of its instantiations are included.
#include <cstdio>
#include <thread>
#include <unistd.h>
#include <vector>

template <typename T> __attribute__((noinline)) T scaled(T v) { return v * 4; }

static volatile int int_input = 5;
static volatile double double_input = 1.5;
static volatile int seen_int;
static volatile double seen_double;

// Work outside the function under test, as a real program has, with a short pause every few calls
// so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
// value kept in a register across the call would make the caller depend on the callee's register
// use (gcc's -fipa-ra), a different case.
__attribute__((noinline)) static void other_work() {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
}

static void worker() {
    for (;;) {
        seen_int = scaled(int_input);
        seen_double = scaled<double>(double_input);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("int=%d double=%.2f\n", seen_int, seen_double);
        usleep(10000);
    }
}
