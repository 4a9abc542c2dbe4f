/* redis' obj_type_name: an array of string pointers, unchanged, used by the function the fix
 * changes (it must bind to the running array). */
/* A plain loop instead of strlen (an IFUNC: binding those is another case). */
__attribute__((noipa)) static int length(const char *text) {
    int n = 0;
    while (text[n] != 0) n++;
    return n;
}

const char *obj_type_name[] = {"string", "list", "set", "zset", "hash"};
static const char *const encoding_name[] = {"raw", "int", "embstr"};

__attribute__((noipa)) int type_name_length(int type) {
    return length(obj_type_name[type % 5]) * 100 + length(encoding_name[type % 3]);
}
