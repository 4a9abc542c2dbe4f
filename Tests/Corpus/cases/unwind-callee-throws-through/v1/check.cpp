#include <stdexcept>

int destroyed_by;

__attribute__((noinline)) int check(int value) {
    if (value < 0) throw std::invalid_argument("negative");
    return value;
}
