/* Shared declarations of the parity service (parity.c, options.c, module.c). */
#ifndef PARITY_H
#define PARITY_H

#include <stddef.h>
#include <stdint.h>

/* What the command line asked for (options.c). */
struct parity_options {
    unsigned threads;        /* --threads: worker threads, 1..256 */
    uint64_t delay_us;       /* --delay-us: sleep per iteration; 0 = busy loop */
    uint64_t seconds;        /* --seconds: exit after this long; 0 = run until signalled */
    uint64_t interval_ms;    /* --interval-ms: time between report lines */
    uint64_t seed;           /* --seed: first PRNG seed; workers derive theirs from it */
    int seed_given;          /* 1 when --seed was on the command line */
};

/* Parses argv into *options. Prints usage (--help, exit 0) or the problem (exit 2) and exits
 * itself on anything but a valid command line. */
void parity_parse_options(int argc, char **argv, struct parity_options *options);

/* The module (executable or shared library) holding is_even: its file name (realpath's last
 * component, so a symlink such as build/lib-v2/libparity.so shows as libparity-v2.so) and its
 * GNU build-id in lowercase hex ("none" when it has none). */
struct parity_module {
    char name[256];
    char build_id[2 * 64 + 1];
};

/* Fills *module for the module that holds the code at `address`. */
void parity_find_module(const void *address, struct parity_module *module);

#endif
