/// C sources the decoder tests compile: a mix of what gcc emits for integer, 8/16-bit, 64-bit
/// constant, switch, computed goto, atomic, string, floating point and vectorizable code.
enum DecoderSources {
    /// One program touching each kind of code, with a main that calls everything.
    static let mix = #"""
        #include <stdint.h>
        #include <string.h>
        #include <math.h>
        #include <stdio.h>
        #include <stdlib.h>

        struct item { int16_t a; uint8_t b; int64_t c; double d; char name[24]; };
        static volatile int sink;
        static int counter;

        __attribute__((noinline)) static int classify(int v) {
            switch (v & 15) {
            case 0: return v * 3;
            case 1: return v ^ 0x5a5a;
            case 2: return v << 7;
            case 3: return -v;
            case 4: return v / 7;
            case 5: return v % 13;
            case 6: return (int)(int16_t)v;
            case 7: return (uint8_t)v + 1;
            default: return v - 1;
            }
        }

        __attribute__((noinline)) int64_t mix64(int64_t x) {
            x ^= x >> 33; x *= 0xff51afd7ed558ccdLL; x ^= x >> 33; x *= (int64_t)0xc4ceb9fe1a85ec53ULL;
            return x ^ (x >> 33) ^ 0x123456789abcdefLL;
        }

        __attribute__((noinline)) void saxpy(float *restrict y, const float *restrict x, float a, int n) {
            for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
        }

        __attribute__((noinline)) double dot(const double *a, const double *b, int n) {
            double s = 0;
            for (int i = 0; i < n; i++) s += a[i] * b[i];
            return sqrt(fabs(s)) + floor(s / 3.0);
        }

        __attribute__((noinline)) int count_bytes(const uint8_t *p, int n, uint8_t c) {
            int k = 0;
            for (int i = 0; i < n; i++) k += p[i] == c;
            return k;
        }

        __attribute__((noinline)) void shorts(int16_t *p, int n) {
            for (int i = 0; i < n; i++) p[i] = (int16_t)(p[i] * 3 + 0x1234);
        }

        __attribute__((noinline)) uint32_t bits(uint64_t v) {
            return __builtin_popcountll(v) + __builtin_ctzll(v | 1) + __builtin_clzll(v | 1) + __builtin_bswap32((uint32_t)v);
        }

        __attribute__((noinline)) void copy_items(struct item *dst, const struct item *src, int n) {
            for (int i = 0; i < n; i++) { dst[i] = src[i]; dst[i].b += 1; memset(dst[i].name, 0, 8); }
        }

        __attribute__((noinline)) int atomics(int *p) {
            __atomic_fetch_add(p, 5, __ATOMIC_SEQ_CST);
            int expected = 3;
            __atomic_compare_exchange_n(p, &expected, 9, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            return __atomic_exchange_n(p, 1, __ATOMIC_ACQ_REL);
        }

        static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

        __attribute__((noinline)) long recurse(long n) { return n < 2 ? n : recurse(n - 1) + recurse(n - 2); }

        __attribute__((noinline)) int dispatch(int op, int x) {
            static void *table[] = { &&add, &&sub, &&mul };
            goto *table[op % 3];
        add: return x + 1;
        sub: return x - 1;
        mul: return x * 2;
        }

        __attribute__((noinline)) unsigned char small_ops(unsigned char a, unsigned short b) {
            unsigned short r = (unsigned short)(b * a + 0x7fff);
            r = (unsigned short)((r >> 3) | (r << 13));
            return (unsigned char)(r ^ (r >> 8) ^ 0x5a);
        }

        __attribute__((noinline)) float minmax(const float *v, int n) {
            float lo = v[0], hi = v[0];
            for (int i = 1; i < n; i++) { lo = fminf(lo, v[i]); hi = fmaxf(hi, v[i]); }
            return hi - lo + (float)lrintf(hi);
        }

        __attribute__((noinline)) void matmul(double *restrict c, const double *restrict a, const double *restrict b, int n) {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
                    c[i * n + j] = s;
                }
        }

        __attribute__((noinline)) int strings(const char *s, char *out) {
            size_t n = strlen(s);
            memcpy(out, s, n + 1);
            for (size_t i = 0; i < n; i++) if (out[i] >= 'a' && out[i] <= 'z') out[i] -= 32;
            return (int)n + (strchr(out, 'X') != NULL);
        }

        int main(int argc, char **argv) {
            static float x[1024], y[1024];
            static double a[64], b[64], m[64];
            static uint8_t buf[4096];
            static int16_t sh[300];
            static struct item items[8], items2[8];
            int v[16];
            char out[64];
            for (int i = 0; i < 16; i++) v[i] = classify(argc * i + 7);
            qsort(v, 16, sizeof v[0], cmp);
            saxpy(y, x, 2.5f, argc * 100);
            shorts(sh, 300);
            copy_items(items2, items, 8);
            matmul(m, a, b, 8);
            sink = count_bytes(buf, 4096, (uint8_t)argc) + (int)dot(a, b, 64) + (int)bits((uint64_t)argc << 40)
                + atomics(&counter) + (int)recurse(argc + 10) + dispatch(argc, 3) + small_ops((unsigned char)argc, 9)
                + (int)minmax(x, 1024) + strings(argc > 1 ? argv[1] : "hello", out) + (int)mix64(argc);
            printf("%d %d\n", sink, v[3]);
            return 0;
        }
        """#
}
