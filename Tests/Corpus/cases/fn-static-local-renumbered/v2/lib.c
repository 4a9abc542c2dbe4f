/* The fix adds burst_of with another static named limit: scaled's own static is now limit.2 and
 * burst_of's is limit.0, the number the running scaled's static had. */
__attribute__((noinline)) static int burst_of(int set) {
    static int limit = 2;
    if (set) limit = set;
    return limit;
}
__attribute__((noinline)) int scaled(int x, int set) {
    static int limit;
    if (set) limit = set;
    return x * limit + burst_of(0);
}
__attribute__((noinline)) int offset_of(int set) {
    static int limit = 5;
    if (set) limit = set;
    return limit;
}
