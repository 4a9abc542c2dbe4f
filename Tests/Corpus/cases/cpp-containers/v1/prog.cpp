// a function using std::map and std::vector changes.
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <map>
#include <string>

static volatile int input = 2;
static volatile int observed;

__attribute__((noinline)) int lookup_total(int key) {
    std::map<int, int> prices = {{1, 10}, {2, 20}, {3, 30}};
    std::vector<int> picked;
    for (int k = 1; k <= key; k++) picked.push_back(prices[k]);
    int total = 0;
    for (int p : picked) total += p;
    return total;
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
    for (;;) {
        observed = lookup_total(input);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("total=%d\n", observed);
        usleep(10000);
    }
}
