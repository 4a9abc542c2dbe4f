// A C++ program that starts std::threads: the file holds std::thread's state vtable and
// typeinfo for the lambda (_ZTVNSt6thread11_State_implI...), unchanged, next to the function the
// fix changes, and the weak COMDAT ones for a thread running a plain function
// (_ZTVNSt6thread11_State_implINS_8_InvokerISt5tupleIJPFvvEEEEEEE). They must bind to the
// running copies instead of refusing the file.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

__attribute__((noipa)) int compute(int x) { return x * 2 + 1; }

static std::atomic<int> observed{0};

static void work() {
    for (;;) {
        observed.store(compute(21));
        usleep(50);
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> workers;
    workers.emplace_back(work);
    for (int i = 0; i < 2; i++) {
        workers.emplace_back([] {
            for (;;) {
                observed.store(compute(21));
                usleep(50);
            }
        });
    }
    for (;;) {
        std::printf("compute=%d\n", observed.load());
        usleep(10000);
    }
}
