/* Function-scope statics: GCC numbers them limit.0, limit.1 per file. */
__attribute__((noinline)) int scaled(int x, int set) {
    static int limit;
    if (set) limit = set;
    return x * limit;
}
__attribute__((noinline)) int offset_of(int set) {
    static int limit = 5;
    if (set) limit = set;
    return limit;
}
