/* Two functions with double constants; the fix changes only fee's rate. */
__attribute__((noinline)) double area(double r) { return r * r * 3.14159; }
__attribute__((noinline)) double fee(double amount) { return amount * 0.025 + 0.30; }
