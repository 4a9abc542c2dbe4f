/* scale is always called with m = 3 (GCC clones it as scale.constprop.0), weigh reads one field
 * of its argument (weigh.isra.0). The fix changes the constprop clone only. */
struct pair { int a; int b; int pad[8]; };

__attribute__((noinline)) static int scale(int x, int m) { return x * m + 2; }
__attribute__((noinline)) static int weigh(struct pair *p) { return p->b * 5; }

int use_scale(int x) { return scale(x, 3) + scale(x + 1, 3); }
int use_weigh(int x) {
    struct pair p = {x, x + 1, {0}};
    return weigh(&p) + x;
}
