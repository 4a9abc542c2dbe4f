import Foundation
import TestSupport

/// C programs the agent tests patch. Each checks its own behaviour and prints what it sees.
enum Fixtures {
    /// Flags for targets: what `hotpatch create` expects, PIE, build-id.
    static let targetFlags = [
        "-O2", "-g", "-fPIC", "-ffunction-sections", "-fdata-sections", "-pie", "-pthread",
        "-Wl,--build-id=sha1",
    ]
    /// Flags for the fixed object.
    static let objectFlags = ["-O2", "-fPIC", "-ffunction-sections", "-fdata-sections"]

    /// A thread that calls `compute(41)` every millisecond and prints `compute=N` whenever the
    /// value changes: how the services show which `compute` runs (needs pthread.h, stdio.h,
    /// unistd.h and `compute`).
    static let computeWorker = """
        static void *worker(void *arg) {
            (void)arg;
            int last = 0;
            for (;;) {
                int value = compute(41);
                if (value != last) { printf("compute=%d\\n", value); fflush(stdout); last = value; }
                usleep(1000);
            }
            return NULL;
        }
        """

    /// A service whose threads sit in blocking system calls (the main thread in nanosleep, others
    /// in read on a pipe, futex wait with a timeout, epoll_wait) and check every result: a short
    /// sleep, an EINTR or a wrong result prints `BAD ...`. A worker calls `compute` and prints
    /// `compute=N` when the answer changes. `spinner` spins inside `busy_loop` while told to.
    static let blockingService = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <linux/futex.h>
        #include <pthread.h>
        #include <stdatomic.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/epoll.h>
        #include <sys/syscall.h>
        #include <time.h>
        #include <unistd.h>

        __attribute__((noinline, noipa)) int compute(int x) { return x + 1; }
        __attribute__((noinline, noipa)) int busy_loop(volatile int *flag) {
            int n = 0;
            while (*flag) n++;
            return n;
        }

        static volatile int spinning;
        static int pipefd[2];
        static atomic_long checks;

        static long long now_ns(void) {
            struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
            return ts.tv_sec * 1000000000LL + ts.tv_nsec;
        }
        static void bad(const char *what, long result, int err) {
            printf("BAD %s result=%ld errno=%d (%s)\\n", what, result, err, strerror(err)); fflush(stdout);
        }
        static void *reader(void *arg) {
            (void)arg;
            for (;;) {
                char c;
                ssize_t n = read(pipefd[0], &c, 1);
                if (n != 1) bad("read", n, errno); else atomic_fetch_add(&checks, 1);
            }
            return NULL;
        }
        static void *writer(void *arg) {
            (void)arg;
            for (;;) { usleep(200000); if (write(pipefd[1], "x", 1) != 1) bad("write", -1, errno); }
            return NULL;
        }
        static void *futexer(void *arg) {
            (void)arg;
            static int word = 0;
            for (;;) {
                struct timespec timeout = {0, 300000000};
                long long start = now_ns();
                long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &timeout, NULL, 0);
                long long took = now_ns() - start;
                if (r != -1 || errno != ETIMEDOUT) bad("futex", r, errno);
                else if (took < 300000000LL) bad("futex-short", (long)(took / 1000), 0);
                else atomic_fetch_add(&checks, 1);
            }
            return NULL;
        }
        static void *epoller(void *arg) {
            (void)arg;
            int ep = epoll_create1(0);
            struct epoll_event events[1];
            for (;;) {
                long long start = now_ns();
                int r = epoll_wait(ep, events, 1, 300);
                long long took = now_ns() - start;
                if (r != 0) bad("epoll_wait", r, errno);
                else if (took < 300000000LL) bad("epoll-short", (long)(took / 1000), 0);
                else atomic_fetch_add(&checks, 1);
            }
            return NULL;
        }
        \(Fixtures.computeWorker)
        static void *spinner(void *arg) {
            (void)arg;
            for (;;) { if (spinning) busy_loop(&spinning); usleep(1000); }
            return NULL;
        }
        int main(int argc, char **argv) {
            spinning = argc > 1 && strcmp(argv[1], "spin") == 0;
            if (pipe(pipefd) != 0) return 1;
            pthread_t t;
            pthread_create(&t, NULL, reader, NULL);
            pthread_create(&t, NULL, writer, NULL);
            pthread_create(&t, NULL, futexer, NULL);
            pthread_create(&t, NULL, epoller, NULL);
            pthread_create(&t, NULL, worker, NULL);
            pthread_create(&t, NULL, spinner, NULL);
            printf("ready\\n"); fflush(stdout);
            for (;;) {
                struct timespec request = {0, 250000000};
                long long start = now_ns();
                int r = nanosleep(&request, NULL);
                long long took = now_ns() - start;
                if (r != 0) bad("nanosleep", r, errno);
                else if (took < 250000000LL) bad("nanosleep-short", (long)(took / 1000), 0);
                else { atomic_fetch_add(&checks, 1); printf("checks=%ld\\n", atomic_load(&checks)); fflush(stdout); }
            }
        }
        """

    /// The fixed `compute` (returns x + 2: 43 for 41).
    static let computeFix = """
        __attribute__((noinline, noipa)) int compute(int x) { return x + 2; }
        """

    /// A fixed `compute` that calls into libc (far away: through the agent's GOT slot and stub)
    /// and reads a variable of the target (bound to the live one).
    static let computeFixCallingLibc = """
        #include <stdlib.h>
        __attribute__((noinline, noipa)) int compute(int x) { return abs(-x) + 3; }
        """

    /// A fixed `busy_loop` (for the spinning-thread test).
    static let busyLoopFix = """
        __attribute__((noinline, noipa)) int busy_loop(volatile int *flag) { return *flag ? -1 : 0; }
        """
}
