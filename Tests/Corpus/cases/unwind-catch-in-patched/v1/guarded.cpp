#include <stdexcept>

int fail(int value);

int guarded(int value) {
    try {
        return fail(value);
    } catch (const std::invalid_argument &) {
        return -1;
    } catch (const std::out_of_range &) {
        return -2;
    }
}
