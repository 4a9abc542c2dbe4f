#pragma once
#include <string>

// The greeting for `name`, as the service prints it.
std::string greeting(const std::string &name);
