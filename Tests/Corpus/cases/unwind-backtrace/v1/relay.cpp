int probe(int value);

int relay(int value) {
    int seen = probe(value);
    __asm__ volatile("" ::: "memory");  // no tail call: relay keeps its frame
    return seen;
}
