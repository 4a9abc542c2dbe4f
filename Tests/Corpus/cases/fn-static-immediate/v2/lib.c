/* Statics read with an immediate operand after the displacement; the fix changes bonus only. */
static int armed;
static int hits;

__attribute__((noinline)) void arm(int v) { armed = v; }
__attribute__((noinline)) int armed_level(void) { return armed == 1 ? 10 : 20; }
__attribute__((noinline)) int count_hit(void) {
    if (hits < 1000) hits++;
    return hits >= 1000;
}
__attribute__((noinline)) int bonus(int x) { return x + 6; }
