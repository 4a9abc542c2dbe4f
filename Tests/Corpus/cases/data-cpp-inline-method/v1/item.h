// An inline member function defined in the class: every file that uses it emits a weak copy in
// its own COMDAT group (.text._ZNK4Item5priceEv) and the program keeps one.
struct Item {
    int base;
    __attribute__((noipa)) int price() const { return base * 2; }
};
