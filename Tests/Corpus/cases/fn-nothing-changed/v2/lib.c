/* Two dense switches compiled to jump tables; the "fix" is the same file: nothing changed. */
__attribute__((noinline)) const char *level_name(int k) {
    switch (k) {
    case 0: return "zero"; case 1: return "one"; case 2: return "two"; case 3: return "three";
    case 4: return "four"; case 5: return "five"; case 6: return "six"; default: return "many";
    }
}

__attribute__((noinline)) int score(int k, int x) {
    switch (k) {
    case 0: return x * 7; case 1: return x + 22; case 2: return x ^ 37; case 3: return x / 3;
    case 4: return x + 31; case 5: return x % 63; case 6: return x << 3; default: return 0;
    }
}
