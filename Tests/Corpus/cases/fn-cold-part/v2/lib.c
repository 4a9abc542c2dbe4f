/* validate's error path is cold: GCC moves it to validate.cold in .text.unlikely.
 * The fix changes only that cold path. */
static volatile int errors;

__attribute__((cold, noinline)) static void note_error(int k) {
    errors += k;
}

__attribute__((noinline)) int validate(int k) {
    if (__builtin_expect(k < 0, 0)) {
        note_error(k);
        return -75;
    }
    return k * 2 + 1;
}

__attribute__((noinline)) int checksum(int k) { return (k * 31) ^ 7; }
