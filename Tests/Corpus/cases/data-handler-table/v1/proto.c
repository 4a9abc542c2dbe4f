/* A memcached-like command table: an unchanged static table of names and handler pointers
 * (text_cmd_entries) next to the handler the fix changes. The table must bind to the running
 * table, not refuse the file. */
#include <string.h>

typedef int (*handler_fn)(int);

struct cmd_entry {
    const char *name;
    handler_fn handler;
    int flags;
};

__attribute__((noipa)) static int process_get(int key) { return key * 2; }
__attribute__((noipa)) static int process_set(int key) { return key + 100; }
__attribute__((noipa)) int process_delete(int key) { return -key; }

static const struct cmd_entry text_cmd_entries[] = {
    {"get", process_get, 1},
    {"set", process_set, 2},
    {"delete", process_delete, 3},
    {NULL, NULL, 0},
};

__attribute__((noipa)) int dispatch(const char *command, int key) {
    for (const struct cmd_entry *entry = text_cmd_entries; entry->name != NULL; entry++)
        if (strcmp(entry->name, command) == 0) return entry->handler(key);
    return 0;
}

