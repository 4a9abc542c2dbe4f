// A namespace with an overload set and a class; the fix changes billing::price(int) only.
namespace billing {
__attribute__((noinline)) int price(int n) { return n * 7 + 1; }
__attribute__((noinline)) int total(int n) { return price(n) + 3; }
__attribute__((noinline)) double total(double n) { return n * 1.5; }

struct Cart {
    int items;
    __attribute__((noinline)) int weight() const { return items * 2 + 1; }
};
__attribute__((noinline)) int cart_weight(int items) { return Cart{items}.weight() + 1; }
}  // namespace billing
