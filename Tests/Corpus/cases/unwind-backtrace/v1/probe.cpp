int depth();

__attribute__((noinline)) int probe(int value) {
    int seen = depth();
    __asm__ volatile("" ::: "memory");  // no tail call: probe keeps its frame
    return seen + value;
}
