/* Local structs filled from constants in .rodata; the fix changes retry_policy's table. */
struct limits { long lo, hi, step, burst, window, floor, grace, spare; };
struct policy { long retries, delay, backoff, ceiling, jitter, floor, spare, mode; };

__attribute__((noinline)) void consume_limits(struct limits *l) { __asm__ volatile("" : : "r"(l) : "memory"); }
__attribute__((noinline)) void consume_policy(struct policy *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

__attribute__((noinline)) long limits_window(long k) {
    struct limits l = {1, 100, 5, 20, 60, 0, 7, 9};
    l.step = k;
    consume_limits(&l);
    return l.window;
}

__attribute__((noinline)) long retry_policy(long k) {
    struct policy p = {5, 250, 2, 8000, 17, 1, 4, 6};
    p.mode = k;
    consume_policy(&p);
    return p.retries;
}
