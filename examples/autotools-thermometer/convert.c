#include "convert.h"

/* The bug: divides by 10 instead of 9, so water boils at 90C (the fix in the tests and the
   README divides by 9). */
int celsius(int fahrenheit) {
    return (fahrenheit - 32) * 5 / 10;
}
