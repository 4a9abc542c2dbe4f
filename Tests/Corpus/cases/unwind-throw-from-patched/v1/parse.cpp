#include <stdexcept>

int parse(int value) {
    if (value > 100) throw std::invalid_argument("too big");
    return value * 2;
}
