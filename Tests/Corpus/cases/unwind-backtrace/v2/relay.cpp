int probe(int value);

__attribute__((noinline)) static int hop(int value) {
    int seen = probe(value);
    __asm__ volatile("" ::: "memory");
    return seen;
}

int relay(int value) {
    int seen = hop(value);
    __asm__ volatile("" ::: "memory");  // one more frame between relay and probe
    return seen;
}
