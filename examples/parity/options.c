/* Command-line options of the parity service. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

static const char usage[] =
    "usage: %s [--threads N] [--delay-us N] [--seconds N] [--interval-ms N] [--seed N]\n"
    "  --threads N      worker threads classifying random numbers (1-256, default 4)\n"
    "  --delay-us N     sleep between a worker's iterations, microseconds (0 = busy, default 1000)\n"
    "  --seconds N      print a final line and exit 0 after N seconds (default: run until SIGTERM/SIGINT)\n"
    "  --interval-ms N  time between report lines (10-60000, default 1000)\n"
    "  --seed N         seed of the random streams (default: from the clock and pid)\n"
    "Prints one line per interval on stdout: parity key=value ... (see examples/parity/README.md).\n";

/* Exits 2 naming the option, the allowed range and what was given. */
static void reject(const char *program, const char *option, const char *text, uint64_t min, uint64_t max)
{
    fprintf(stderr, "%s: %s wants a whole number from %" PRIu64 " to %" PRIu64 ", got '%s'\n", program,
            option, min, max, text);
    fprintf(stderr, usage, program);
    exit(2);
}

/* A decimal number in [min, max], or exit 2. strtoull alone accepts "-1" and "12abc". */
static uint64_t number(const char *program, const char *option, const char *text, uint64_t min, uint64_t max)
{
    if (text[0] < '0' || text[0] > '9') reject(program, option, text, min, max);
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (*end != '\0' || value < min || value > max) reject(program, option, text, min, max);
    return value;
}

void parity_parse_options(int argc, char **argv, struct parity_options *options)
{
    static const struct option long_options[] = {
        {"threads", required_argument, NULL, 't'},     {"delay-us", required_argument, NULL, 'd'},
        {"seconds", required_argument, NULL, 's'},     {"interval-ms", required_argument, NULL, 'i'},
        {"seed", required_argument, NULL, 'r'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *program = argv[0];
    *options = (struct parity_options){.threads = 4, .delay_us = 1000, .interval_ms = 1000};
    opterr = 0;  /* the messages below name the option and the fix */
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 't': options->threads = (unsigned)number(program, "--threads", optarg, 1, 256); break;
        case 'd': options->delay_us = number(program, "--delay-us", optarg, 0, 10000000); break;
        case 's': options->seconds = number(program, "--seconds", optarg, 1, 100000000); break;
        case 'i': options->interval_ms = number(program, "--interval-ms", optarg, 10, 60000); break;
        case 'r':
            options->seed = number(program, "--seed", optarg, 0, UINT64_MAX);
            options->seed_given = 1;
            break;
        case 'h': printf(usage, program); exit(0);
        default:
            if (optopt != 0)
                fprintf(stderr, "%s: option '%s' needs a value\n", program, argv[optind - 1]);
            else
                fprintf(stderr, "%s: unknown option '%s'\n", program, argv[optind - 1]);
            fprintf(stderr, usage, program);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", program, argv[optind]);
        fprintf(stderr, usage, program);
        exit(2);
    }
}
