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

// Work outside the function under test between bursts of calls, as a real program has (a pause,
// so the many programs of a corpus run leave the machine usable).
__attribute__((noinline)) static void other_work() { usleep(50); }

static void worker() {
    for (;;) {
        for (int burst = 0; burst < 100; burst++) {
        observed = counter->advance(input);
        }
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
