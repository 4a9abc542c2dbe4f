// a static member function in a namespace reads a static data member.
#include <cstdio>
#include <thread>
#include <unistd.h>
#include <vector>

namespace billing {
struct Rates {
    static int base;
    static int price(int quantity);
};
int Rates::base = 0;
__attribute__((noinline)) int Rates::price(int quantity) { return base * quantity; }
}  // namespace billing

static volatile int input = 3;
static volatile int observed;

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
        observed = billing::Rates::price(input);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    billing::Rates::base = 7;
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("price=%d\n", observed);
        usleep(10000);
    }
}
