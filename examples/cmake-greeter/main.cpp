#include <chrono>
#include <iostream>
#include <thread>

#include "greeter.h"

// Prints the greeting every 50 ms until killed: the running service a patch is applied to.
int main(int argc, char **argv) {
    std::string name = argc > 1 ? argv[1] : "world";
    for (;;) {
        std::cout << greeting(name) << std::endl;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}
