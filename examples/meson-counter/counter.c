#include <stdio.h>

#include "counter.h"

/* The bug: one thing is "1 items" (the fix in the tests and the README says "1 item"). */
void describe(int n, char *buffer, size_t size) {
    snprintf(buffer, size, "%d items", n);
}
