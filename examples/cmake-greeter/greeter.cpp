#include "greeter.h"

// The bug: the greeting forgets the comma (the fix in the tests and the README adds it).
std::string greeting(const std::string &name) {
    return "hello " + name;
}
