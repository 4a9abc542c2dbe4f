#include <stdexcept>

int fail(int value);

int guarded(int value) {
    try {
        return fail(value);
    } catch (const std::invalid_argument &) {
        return -10;
    } catch (const std::logic_error &) {
        return -20;
    }
}
