#include <stdexcept>

__attribute__((noinline)) int fail(int value) {
    if (value % 2) throw std::out_of_range("odd");
    throw std::invalid_argument("even");
}
