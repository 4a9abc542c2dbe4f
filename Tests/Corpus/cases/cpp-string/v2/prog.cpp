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

// Work outside the function under test between bursts of calls, as a real program has (a pause,
// so the many programs of a corpus run leave the machine usable).
__attribute__((noinline)) static void other_work() { usleep(50); }

static void worker() {
    for (;;) {
        for (int burst = 0; burst < 100; burst++) {
        std::string made = label(input);
        std::lock_guard<std::mutex> guard(lock);
        shown = made;
        }
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
