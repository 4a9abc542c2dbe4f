int tax(int amount);
int net(int amount);
int rounded(int value);
const char *unit_name(void);
