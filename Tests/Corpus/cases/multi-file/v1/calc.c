/* the file the fix changes: tax's rate; net calls tax and stays the same. */
#include "calc.h"

__attribute__((noinline)) int tax(int amount) { return rounded(amount * 8 / 100); }
__attribute__((noinline)) int net(int amount) { return amount - tax(amount); }
