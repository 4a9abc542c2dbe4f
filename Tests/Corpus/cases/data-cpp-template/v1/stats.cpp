// Templates: a fixed function template instantiated for int (a weak function in its own COMDAT
// group, .text._Z8weightedIiET_RKSt6vectorIS0_SaIS0_EE) next to unchanged std::vector and
// std::string instantiations; only the changed instantiation is included.
#include <string>
#include <vector>

template <typename T>
__attribute__((noipa)) T weighted(const std::vector<T> &values) {
    T total{};
    for (const T &value : values) total += value;
    return total;
}

__attribute__((noipa)) int summarize(int n) {
    std::vector<int> values;
    for (int i = 1; i <= n; i++) values.push_back(i);
    std::string label = "items:" + std::to_string(values.size());
    return weighted(values) * 100 + static_cast<int>(label.size());
}
