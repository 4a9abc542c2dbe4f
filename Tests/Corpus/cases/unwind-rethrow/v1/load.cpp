#include <stdexcept>

int noted;

__attribute__((noinline)) int load(int value) {
    if (value > 5) throw std::range_error("out of range");
    return value;
}
