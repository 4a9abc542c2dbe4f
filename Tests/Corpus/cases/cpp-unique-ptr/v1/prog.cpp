// a class with a virtual destructor is created and destroyed in the changed function.
#include <cstdio>
#include <memory>
#include <thread>
#include <unistd.h>
#include <vector>

#include <memory>

struct Job {
    virtual ~Job() {}
    virtual int run() const { return 1; }
};
struct PrintJob : Job {
    int run() const override { return 2; }
};

static volatile int input = 1;
static volatile int observed;

__attribute__((noinline)) int run_jobs(int n) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        std::unique_ptr<Job> job(new PrintJob());
        total += job->run();
    }
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
        observed = run_jobs(input);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("jobs=%d\n", observed);
        usleep(10000);
    }
}
