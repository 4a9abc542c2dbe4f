/// A file of static helpers, tail calls, loops, a switch table and alignment padding, built into a
/// target WITHOUT -ffunction-sections: the assembler resolves calls and jumps between its functions
/// itself and shortens the close ones to rel8 (`slow_path`'s tail call of `clamp`, `sw_static`'s
/// of `tiny`, which moves its switch cases, `rec_static`'s of `tiny2` before its self-calls), so
/// the fix's object (with -ffunction-sections) encodes the same instructions differently.
enum SharedTextSources {
    /// The library file (the one the fix recompiles).
    static let library = #"""
        #include <stdint.h>
        #include <string.h>

        static int table_hits;

        __attribute__((noinline)) static int clamp(int v, int lo, int hi) {
            if (v < lo) return lo;
            if (v > hi) return hi;
            return v;
        }

        __attribute__((noinline)) static unsigned hash_step(unsigned h, unsigned char c) {
            return (h ^ c) * 16777619u;
        }

        __attribute__((noinline)) unsigned hash_bytes(const unsigned char *p, int n) {
            unsigned h = 2166136261u;
            for (int i = 0; i < n; i++) h = hash_step(h, p[i]);
            return h;
        }

        __attribute__((noinline)) int sum_clamped(const int *v, int n, int lo, int hi) {
            int s = 0;
            for (int i = 0; i < n; i++) {
                if (v[i] == 0) continue;
                s += clamp(v[i], lo, hi);
            }
            return s;
        }

        __attribute__((noinline)) int count_spaces(const char *s) {
            int k = 0;
            while (*s) {
                if (*s == ' ' || *s == '\t') k++;
                s++;
            }
            return k;
        }

        __attribute__((noinline)) int compute(int v) {
            return v * 3 + 1;
        }

        __attribute__((noinline)) static int slow_path(int v) {
            table_hits++;
            return v > 100 ? clamp(v, 0, 1000) : v * 2;
        }

        __attribute__((noinline)) int lookup(int v) {
            if (__builtin_expect(v < 0, 0)) return slow_path(-v);
            if (v > 50) return slow_path(v);
            return compute(v) + 1;
        }

        __attribute__((noinline)) int nested(int n) {
            int total = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < i; j++)
                    total += (i ^ j) & 7 ? lookup(j) : 1;
            return total;
        }

        __attribute__((noinline)) long mix(long a, long b) {
            while (a > 1000) a /= 3;
            do { b = b * 5 + 1; } while (b % 7);
            return a + b + hash_bytes((const unsigned char *)&a, sizeof a);
        }

        __attribute__((noinline)) int hits(void) {
            return table_hits + count_spaces("a b c");
        }

        __attribute__((noinline)) int early_tail(const int *v, int n) {
            if (n < 0) return clamp(n, -5, 5);
            int s = 0;
            for (int i = 0; i < n; i++) s += v[i] * 7 ^ (s >> 3);
            return s;
        }

        __attribute__((noinline)) unsigned tail_hash(const unsigned char *p, int n) {
            if (n == 1) return hash_step(0, p[0]);
            unsigned h = 0;
            for (int i = 0; i < n; i++) {
                if (p[i] == 0) break;
                h = h * 31 + p[i];
            }
            return h;
        }

        __attribute__((noinline)) static int twice(int v) { return v * 2 + table_hits; }

        __attribute__((noinline)) int pick(int v) {
            if (v > 10) return twice(v);
            int s = 0;
            for (int i = 0; i < v; i++) s += (i * 13) ^ v;
            return s;
        }

        __attribute__((noinline)) int pick2(int v) {
            if (v & 1) return twice(v + 1);
            if (v & 2) return slow_path(v);
            return v;
        }

        __attribute__((noinline)) static int scan_static(const int *v, int n) {
            if (n > 1000) return clamp(n, 0, 10);
            int s = 0;
            for (int i = 0; i < n; i++) s += v[i] ^ i;
            return s;
        }

        __attribute__((noinline)) static int walk_static(const char *s) {
            if (!*s) return hash_step(1, 2);
            int k = 0;
            while (*s) { k = k * 3 + (*s == 'x'); s++; }
            return k;
        }

        __attribute__((noinline)) int scan(const int *v, int n) { return scan_static(v, n) + walk_static("axb"); }

        __attribute__((noinline)) static int tiny(int v) { return v * 5 + table_hits; }

        __attribute__((noinline)) static int sw_static(int op, int v) {
            switch (op) {
            case 0: return tiny(v);
            case 1: return v + 11;
            case 2: return tiny(v + 3);
            case 3: return v * 7;
            case 4: return v - 5;
            case 5: return v ^ 0x55;
            case 6: return v << 3;
            default: return 0;
            }
        }

        __attribute__((noinline)) int switcher(int op, int v) { return sw_static(op, v) + 1; }

        __attribute__((noinline)) static int tiny2(int v) { return v - table_hits; }

        __attribute__((noinline)) static int rec_static(int n, int acc) {
            if (n == 7) return tiny2(acc);
            if (n <= 0) return acc;
            int r = rec_static(n - 1, acc + n);
            return r + rec_static(n - 2, acc) % 5;
        }

        __attribute__((noinline)) int rec(int n) { return rec_static(n, 0); }
        """#

    /// The program around it.
    static let main = #"""
        #include <stdio.h>
        int compute(int); int lookup(int); int nested(int); long mix(long, long); int hits(void); int rec(int); int switcher(int, int); int scan(const int *, int); int pick(int); int pick2(int); int early_tail(const int *, int); unsigned tail_hash(const unsigned char *, int);
        unsigned hash_bytes(const unsigned char *, int); int sum_clamped(const int *, int, int, int);
        int argc_ = 3;
        int main(void) {
            int v[4] = {1, 200, 0, -5};
            printf("%d %d %d %ld %d %u %d\n", compute(3), lookup(70), nested(20), mix(5000, 3), hits(),
                   hash_bytes((const unsigned char *)"xy", 2), sum_clamped(v, 4, 0, 100));
            printf("%d %u\n", early_tail(v, 4), tail_hash((const unsigned char *)"ab", 2));
            printf("%d %d\n", pick(argc_), pick2(7));
            printf("%d\n", scan(v, 4));
            printf("%d\n", switcher(2, 4));
            printf("%d\n", rec(9));
            return 0;
        }
        """#
}
