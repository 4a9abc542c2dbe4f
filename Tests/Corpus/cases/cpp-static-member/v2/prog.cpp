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
__attribute__((noinline)) int Rates::price(int quantity) { return base * quantity + 1; }
}  // namespace billing

static volatile int input = 3;
static volatile int observed;

// Work outside the function under test between bursts of calls, as a real program has (a pause,
// so the many programs of a corpus run leave the machine usable).
__attribute__((noinline)) static void other_work() { usleep(50); }

static void worker() {
    for (;;) {
        for (int burst = 0; burst < 100; burst++) {
        observed = billing::Rates::price(input);
        }
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
