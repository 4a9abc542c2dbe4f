// a virtual method of a derived class changes; the vtables stay.
#include <cstdio>
#include <thread>
#include <unistd.h>
#include <vector>

struct Shape {
    virtual int area() const = 0;
    virtual const char *name() const { return "shape"; }
    virtual ~Shape() {}
};

struct Square : Shape {
    int side;
    explicit Square(int s) : side(s) {}
    int area() const override;
    const char *name() const override { return "square"; }
};

__attribute__((noinline)) int Square::area() const { return side * side; }

static Shape *volatile shape;
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
        observed = shape->area();
        other_work();
    }
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    shape = new Square(6);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++) threads.emplace_back(worker);
    for (;;) {
        std::printf("%s area=%d\n", shape->name(), observed);
        usleep(10000);
    }
}
