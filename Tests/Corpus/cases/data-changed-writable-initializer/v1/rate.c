/* A writable global whose initializer the fix changes: the running process holds its own value
 * (perhaps already changed by set_rate), so create must refuse, naming it and both values. */
int exchange_rate = 10;

__attribute__((noipa)) void set_rate(int rate) { exchange_rate = rate; }
__attribute__((noipa)) int convert(int x) { return x * exchange_rate; }
