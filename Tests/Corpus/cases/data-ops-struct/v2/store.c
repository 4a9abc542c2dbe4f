/* An ops struct of function pointers (a driver's file_operations), writable and reached through a
 * pointer variable: unchanged, it binds to the running struct while one operation is fixed. */
struct store_ops {
    int (*read)(int);
    int (*write)(int);
    const char *name;
};

__attribute__((noipa)) static int disk_read(int block) { return block * 4 + 1; }
__attribute__((noipa)) static int disk_write(int block) { return block + 7; }

struct store_ops disk_ops = {disk_read, disk_write, "disk"};
struct store_ops *current_ops = &disk_ops;

__attribute__((noipa)) int store_read(int block) { return current_ops->read(block); }
__attribute__((noipa)) int store_write(int block) { return current_ops->write(block); }
