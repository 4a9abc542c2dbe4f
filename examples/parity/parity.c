/* parity: the "pair detector" of hotpatch's founding story.
 *
 * Worker threads classify an endless stream of random numbers with is_even() (classify_v*.c,
 * another translation unit, so every iteration makes a real call that hotpatch can redirect).
 * Each worker also checks the answer itself, so the service counts its own misclassifications.
 * The main thread is the reporter: once per interval it prints one line on stdout (see
 * README.md for the fields) and measures stalls: the longest gap between two consecutive
 * iterations of any worker, which is what a paused process (SIGSTOP, a ptrace stop) looks like
 * from the inside. SIGTERM or SIGINT prints a final line and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "parity.h"

#ifdef PARITY_SHARED_LIBRARY
#define PARITY_VARIANT "lib" /* is_even comes from libparity.so */
#else
#define PARITY_VARIANT "exe" /* is_even is linked into the executable */
#endif

#define NSEC_PER_SEC UINT64_C(1000000000)
#define NSEC_PER_MSEC UINT64_C(1000000)
#define NSEC_PER_USEC UINT64_C(1000)
/* The reporter woke this much after its tick: it was stopped (or starved) too. */
#define REPORTER_LATE_NS (20 * NSEC_PER_MSEC)

/* One worker's state. Each counter has one writer (the worker) and one reader (the reporter);
 * window_max_gap_ns is also reset by the reporter. Aligned so workers do not share cache lines.
 * There is no total counter: total = even + odd, so the three always agree in a line and each
 * only grows, however the reporter's reads interleave with the worker's writes. */
struct worker {
    _Alignas(64) atomic_uint_fast64_t even; /* numbers is_even called even */
    atomic_uint_fast64_t odd;               /* numbers is_even called odd */
    atomic_uint_fast64_t misclassified;     /* answers of is_even that the worker's own check refutes */
    atomic_uint_fast64_t last_start_ns; /* CLOCK_MONOTONIC start of the newest iteration */
    atomic_uint_fast64_t window_max_gap_ns; /* longest completed gap since the reporter's last line */
    uint64_t seed;
    uint64_t delay_ns;
    pthread_t thread;
};

static atomic_int stopping;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static struct timespec timespec_of(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / NSEC_PER_SEC), .tv_nsec = (long)(ns % NSEC_PER_SEC)};
}

/* splitmix64: turns one seed into well-spread per-thread seeds (never 0, which xorshift hates). */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x != 0 ? x : 1;
}

/* xorshift64*: cheap, good enough for a stream of test numbers, private to each thread. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t state = w->seed, even = 0, odd = 0, wrong = 0;
    uint64_t previous = now_ns();
    struct timespec delay = timespec_of(w->delay_ns);
    atomic_store(&w->last_start_ns, previous);
    while (!atomic_load_explicit(&stopping, memory_order_relaxed)) {
        /* The gap: from the previous iteration's start to this one's. A stop of the process
         * (SIGSTOP, ptrace) between the two shows up here in full. */
        uint64_t start = now_ns();
        uint64_t gap = start - previous;
        previous = start;
        if (gap > atomic_load_explicit(&w->window_max_gap_ns, memory_order_relaxed))
            atomic_store_explicit(&w->window_max_gap_ns, gap, memory_order_relaxed);
        atomic_store_explicit(&w->last_start_ns, start, memory_order_relaxed);

        unsigned long n = (unsigned long)next_random(&state);
        int said_even = is_even(n) != 0;
        /* The truth, computed here: is_even is in another translation unit (and no LTO), so the
         * compiler can neither fold this into it nor reuse its answer. */
        int truly_even = (n % 2) == 0;
        if (said_even != truly_even) atomic_store_explicit(&w->misclassified, ++wrong, memory_order_relaxed);
        /* Release: whoever sees the new count also sees the gap stored above. */
        if (said_even)
            atomic_store_explicit(&w->even, ++even, memory_order_release);
        else
            atomic_store_explicit(&w->odd, ++odd, memory_order_release);

        /* EINTR (a stop and continue can cause it) only shortens this one delay. */
        if (w->delay_ns != 0) nanosleep(&delay, NULL);
    }
    return NULL;
}

/* Counts summed over all workers at one moment. */
struct sums {
    uint64_t total, even, misclassified;
};

/* A worker's iteration count; acquire, so its newest gap is visible too. */
static uint64_t iterations(struct worker *w)
{
    return atomic_load_explicit(&w->even, memory_order_acquire) + atomic_load_explicit(&w->odd, memory_order_acquire);
}

static struct sums sum_workers(struct worker *workers, unsigned count)
{
    struct sums s = {0, 0, 0};
    for (unsigned i = 0; i < count; i++) {
        uint64_t even = atomic_load_explicit(&workers[i].even, memory_order_relaxed);
        uint64_t odd = atomic_load_explicit(&workers[i].odd, memory_order_relaxed);
        s.even += even;
        s.total += even + odd;
        s.misclassified += atomic_load_explicit(&workers[i].misclassified, memory_order_relaxed);
    }
    /* misclassified may be one iteration ahead of even/odd; a line never claims more than all. */
    if (s.misclassified > s.total) s.misclassified = s.total;
    return s;
}

/* The reporter woke late, so the whole process was probably stopped and continued. Give every
 * worker a moment to run one more iteration, so that the gap the stop caused is complete and
 * lands in this line rather than half here and again in the next one. Bounded: a worker that
 * is itself still stopped is reported by its open gap instead (see take_max_gap). */
static void let_workers_catch_up(struct worker *workers, unsigned count, uint64_t delay_ns)
{
    uint64_t seen[256];
    for (unsigned i = 0; i < count; i++) seen[i] = iterations(&workers[i]);
    uint64_t limit = 2 * delay_ns + 50 * NSEC_PER_MSEC;
    if (limit > NSEC_PER_SEC) limit = NSEC_PER_SEC;
    uint64_t deadline = now_ns() + limit;
    struct timespec pause = timespec_of(NSEC_PER_MSEC);
    for (unsigned i = 0; i < count; i++)
        while (iterations(&workers[i]) == seen[i] && now_ns() < deadline)
            nanosleep(&pause, NULL);
}

/* The line's max_gap: the longest gap of any worker that ended since the previous line, or that
 * is still open now (a worker stopped right now has made no progress for now - last start). */
static uint64_t take_max_gap(struct worker *workers, unsigned count, uint64_t now)
{
    uint64_t longest = 0;
    for (unsigned i = 0; i < count; i++) {
        uint64_t completed = atomic_exchange(&workers[i].window_max_gap_ns, 0);
        uint64_t last = atomic_load(&workers[i].last_start_ns);
        uint64_t open = now > last ? now - last : 0;
        if (completed > longest) longest = completed;
        if (open > longest) longest = open;
    }
    return longest;
}

/* Sleeps until the monotonic time `until` or until SIGTERM/SIGINT (blocked in every thread, so
 * only this wait takes them). Returns the signal, or 0 at the time. */
static int wait_for_tick_or_signal(uint64_t until, const sigset_t *signals)
{
    for (;;) {
        uint64_t now = now_ns();
        if (now >= until) return 0;
        struct timespec timeout = timespec_of(until - now);
        int signal = sigtimedwait(signals, NULL, &timeout);
        if (signal > 0) return signal;
        /* EAGAIN: time is up (checked above); EINTR: a stop and continue interrupted the wait. */
    }
}

static void start_workers(struct worker *workers, const struct parity_options *options)
{
    uint64_t seed = options->seed_given ? options->seed : now_ns() ^ ((uint64_t)getpid() << 32);
    for (unsigned i = 0; i < options->threads; i++) {
        workers[i].seed = splitmix64(seed + i);
        workers[i].delay_ns = options->delay_us * NSEC_PER_USEC;
        int error = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (error != 0) {
            fprintf(stderr, "parity: cannot start worker thread %u of %u: %s\n", i + 1, options->threads,
                    strerror(error));
            exit(1);
        }
    }
}

static void stop_workers(struct worker *workers, unsigned count)
{
    atomic_store(&stopping, 1);
    for (unsigned i = 0; i < count; i++) pthread_join(workers[i].thread, NULL);
}

int main(int argc, char **argv)
{
    struct parity_options options;
    parity_parse_options(argc, argv, &options);

    /* Block the exit signals before any thread exists: every thread inherits the mask, and
     * only the reporter's sigtimedwait receives them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    struct parity_module module;
    parity_find_module((const void *)&is_even, &module);

    static struct worker workers[256];
    uint64_t start = now_ns();
    uint64_t interval = options.interval_ms * NSEC_PER_MSEC;
    uint64_t deadline = options.seconds != 0 ? start + options.seconds * NSEC_PER_SEC : UINT64_MAX;
    start_workers(workers, &options);

    struct sums before = {0, 0, 0};
    uint64_t next_tick = start + interval;
    for (uint64_t seq = 1;; seq++) {
        uint64_t tick = next_tick < deadline ? next_tick : deadline;
        int signal = wait_for_tick_or_signal(tick, &signals);
        uint64_t now = now_ns();
        int final = signal != 0 || now >= deadline;
        if (final) {
            stop_workers(workers, options.threads);
            now = now_ns();
        } else if (now - tick > REPORTER_LATE_NS) {
            let_workers_catch_up(workers, options.threads, options.delay_us * NSEC_PER_USEC);
            now = now_ns();
        }
        uint64_t max_gap = take_max_gap(workers, options.threads, now);
        struct sums s = sum_workers(workers, options.threads);
        printf("parity variant=%s module=%s build_id=%s pid=%d threads=%u delay_us=%" PRIu64 " seq=%" PRIu64
               " t_ms=%" PRIu64 " total=%" PRIu64 " even=%" PRIu64 " odd=%" PRIu64 " misclassified=%" PRIu64
               " total_delta=%" PRIu64 " misclassified_delta=%" PRIu64 " max_gap_us=%" PRIu64 " final=%d\n",
               PARITY_VARIANT, module.name, module.build_id, (int)getpid(), options.threads, options.delay_us, seq,
               (now - start) / NSEC_PER_MSEC, s.total, s.even, s.total - s.even, s.misclassified,
               s.total - before.total, s.misclassified - before.misclassified, max_gap / NSEC_PER_USEC, final);
        fflush(stdout);
        if (final) return 0;
        before = s;
        /* One line per interval, on a fixed grid; ticks missed while stopped are skipped, so a
         * long stop gives one line (with its gap), not a burst of catch-up lines. */
        next_tick += interval;
        while (next_tick <= now) next_tick += interval;
    }
}
