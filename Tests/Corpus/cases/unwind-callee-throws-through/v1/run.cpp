int check(int value);
extern int destroyed_by;

namespace {
struct Guard {
    int mark;
    ~Guard() { __atomic_store_n(&destroyed_by, mark, __ATOMIC_RELAXED); }
};
}  // namespace

int run(int value) {
    Guard guard{1};
    return check(value) + 1;
}
