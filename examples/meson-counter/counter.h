#pragma once
#include <stddef.h>

/* Writes "N items" for `n` into `buffer`, as the service prints it. */
void describe(int n, char *buffer, size_t size);
