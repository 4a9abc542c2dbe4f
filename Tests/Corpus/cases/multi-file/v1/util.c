/* helpers the fix does not touch. */
#include "calc.h"

__attribute__((noinline)) int rounded(int value) { return (value + 5) / 10 * 10; }
const char *unit_name(void) { return "cents"; }
