int load(int value);
extern int noted;

int forward(int value) {
    try {
        return load(value);
    } catch (...) {
        __atomic_store_n(&noted, 2, __ATOMIC_RELAXED);
        throw;
    }
}
