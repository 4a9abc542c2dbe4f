/* fee's fix is two lines longer; the CHECK in limit below it passes __LINE__, which moves. */
void check_failed(const char *file, int line, const char *what);
#define CHECK(c) ((c) ? (void)0 : check_failed(__FILE_NAME__, __LINE__, #c))

__attribute__((noinline)) int fee(int x) { return x * 3 + 1; }

__attribute__((noinline)) int limit(int x) {
    CHECK(x < 1000);
    return x + 7;
}
