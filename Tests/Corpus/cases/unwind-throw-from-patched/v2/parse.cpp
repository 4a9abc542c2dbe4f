#include <stdexcept>

int parse(int value) {
    if (value > 120) throw std::invalid_argument("over the limit");
    return value * 2;
}
