// a function building a std::string changes.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <mutex>
#include <string>

static std::mutex lock;
static std::string shown = "none";
static volatile int input = 3;

__attribute__((noinline)) std::string label(int n) {
    std::string out = "item-";
    out += std::to_string(n);
    out += "/v2";
    return out;
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
        std::string made = label(input);
        std::lock_guard<std::mutex> guard(lock);
        shown = made;
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        {
            std::lock_guard<std::mutex> guard(lock);
            std::printf("label=%s\n", shown.c_str());
        }
        usleep(10000);
    }
}
