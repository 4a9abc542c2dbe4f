#include <stdexcept>

extern int cleanup_mark;

namespace {
struct Mark {
    int value;
    ~Mark() { __atomic_store_n(&cleanup_mark, value, __ATOMIC_RELAXED); }
};
}  // namespace

__attribute__((noinline)) int inner(int value) {
    if (value > 3) throw std::runtime_error("v2");
    return value;
}

__attribute__((noinline)) int outer(int value) {
    Mark mark{2};
    return inner(value) + 1;
}
