// a member function defined in the class body (inline, COMDAT) changes.
#include <cstdio>
#include <thread>
#include <unistd.h>
#include <vector>

class Counter {
  public:
    explicit Counter(int step) : step_(step) {}
    __attribute__((noinline)) int advance(int from) const { return from + step_; }

  private:
    int step_;
};

static const Counter *volatile counter;
static volatile int input = 10;
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
        observed = counter->advance(input);
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    counter = new Counter(5);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("advance=%d\n", observed);
        usleep(10000);
    }
}
