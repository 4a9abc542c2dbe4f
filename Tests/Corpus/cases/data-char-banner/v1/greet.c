/* A global `char *banner` initialized with a string literal, and a static pointer to another:
 * both unchanged, both must bind to the running variables while greet_length is fixed. */
/* A plain loop instead of strlen (an IFUNC: binding those is another case). */
__attribute__((noipa)) static int length(const char *text) {
    int n = 0;
    while (text[n] != 0) n++;
    return n;
}

char *banner = "hotpatch server v1.0";
static const char *motd = "welcome";

__attribute__((noipa)) int greet_length(void) { return length(banner) + length(motd); }
