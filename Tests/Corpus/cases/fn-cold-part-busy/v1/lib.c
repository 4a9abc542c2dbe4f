/* validate's error path (validate.cold) never returns here: one thread waits in it forever.
 * The fix changes the hot path; the old cold part must be guarded like validate itself. */
#include <unistd.h>

static volatile int released;

__attribute__((cold, noinline)) static void wait_forever(void) {
    while (!released) pause();
}

__attribute__((noinline)) int validate(int k) {
    if (__builtin_expect(k < 0, 0)) {
        wait_forever();
        return -22;
    }
    return k * 2 + 1;
}
