// A function-local static with a dynamic initializer: its value and its guard variable
// (_ZZ6scaledE4base, _ZGVZ6scalediE4base) are unchanged by the fix and must bind to the running
// process's, which already ran the initializer. A fresh copy would run it again and read the
// configuration as it is now (9), not as it was at start (7).
__attribute__((noipa)) int read_config();

__attribute__((noipa)) int scaled(int x) {
    static int base = read_config();
    return base + 2 * x;
}
