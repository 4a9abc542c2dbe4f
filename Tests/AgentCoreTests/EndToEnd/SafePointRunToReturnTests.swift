import Foundation
import Shared
import TestSupport
import XCTest

/// The safe point on real processes, with patches made by the `hotpatch create` binary as users
/// make them: a pointer to the replaced function left on a stack is not a frame (it does not
/// block), threads that are almost always inside the replaced function are let run to their
/// return inside the stop, and a thread blocked inside it is still refused by name.
final class SafePointRunToReturnTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws {
        fixture = try CFixture("agent-run-to-return")
        // The agent's pause trace (stderr) says how many threads each stop let run.
        PauseTrace.enable()
    }
    override func tearDown() {
        PauseTrace.disable()
        fixture.remove()
    }

    /// (a) A thread blocked in nanosleep with a pointer to `compute` on its stack (a callback it
    /// keeps); a worker calls `compute` and prints its result.
    private static let callbackService = """
        #define _GNU_SOURCE
        #include <pthread.h>
        #include <stdio.h>
        #include <sys/syscall.h>
        #include <time.h>
        #include <unistd.h>

        __attribute__((noinline, noipa)) int compute(int x) { return x + 1; }
        __attribute__((noinline, noipa)) void keep_and_sleep(int (*callback)(int)) {
            int (*volatile kept)(int) = callback;  /* on this frame's stack, for good */
            printf("sleeper=%ld\\n", (long)syscall(SYS_gettid)); fflush(stdout);
            for (;;) { struct timespec s = {1000, 0}; nanosleep(&s, NULL); }
            (void)kept;
        }
        static void *sleeper(void *arg) { (void)arg; keep_and_sleep(compute); return NULL; }
        \(Fixtures.computeWorker)
        int main(void) {
            pthread_t t;
            pthread_create(&t, NULL, sleeper, NULL);
            pthread_create(&t, NULL, worker, NULL);
            for (;;) pause();
        }
        """

    /// (b, c) Three threads spend ~99% of their time in `spin` (~1 ms of clock_gettime calls, a
    /// few instructions between calls); with `block`, a fourth calls it with a pipe nobody
    /// writes and blocks in read inside it forever. A reporter prints what `spin` returns.
    private static let spinService = """
        #define _GNU_SOURCE
        #include <pthread.h>
        #include <stdatomic.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <time.h>
        #include <unistd.h>

        static atomic_int last;
        __attribute__((noinline, noipa)) int spin(int fd) {
            if (fd >= 0) { char c; return (int)read(fd, &c, 1); }
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            do clock_gettime(CLOCK_MONOTONIC, &b);
            while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 1000000);
            return 1;
        }
        static void *spinner(void *arg) { (void)arg; for (;;) atomic_store(&last, spin(-1)); return NULL; }
        static void *blocked(void *arg) {
            printf("blocked=%ld\\n", (long)syscall(SYS_gettid)); fflush(stdout);
            spin(*(int *)arg);
            printf("BAD read returned\\n"); fflush(stdout);
            return NULL;
        }
        int main(int argc, char **argv) {
            setvbuf(stdout, NULL, _IOLBF, 0);
            static int pipefd[2];
            if (pipe(pipefd) != 0) return 1;
            pthread_t t;
            for (int i = 0; i < 3; i++) pthread_create(&t, NULL, spinner, NULL);
            if (argc > 1 && strcmp(argv[1], "block") == 0) pthread_create(&t, NULL, blocked, &pipefd[0]);
            for (;;) {
                struct timespec ms = {0, 10000000};
                nanosleep(&ms, NULL);
                printf("spin=%d\\n", atomic_load(&last));
            }
        }
        """

    private static let spinFix = """
        #define _GNU_SOURCE
        #include <time.h>
        #include <unistd.h>
        __attribute__((noinline, noipa)) int spin(int fd) {
            if (fd >= 0) { char c; return (int)read(fd, &c, 1); }
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            do clock_gettime(CLOCK_MONOTONIC, &b);
            while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 1000000);
            return 2;
        }
        """

    func testPointerToTheReplacedFunctionOnASleepingStackDoesNotBlockApply() throws {
        try fixture.link("service", Self.callbackService, flags: Fixtures.targetFlags)
        let patch = try create(id: "compute-fix", fix: "compute", Fixtures.computeFix)
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0.hasPrefix("sleeper=") }, "the sleeper keeps its pointer")
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" }, "the old compute runs")

        // Before the fix this stop was refused until the timeout: the pointer looked like a frame.
        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--timeout", "5s"],
            stateDirectory: fixture.path("state"))

        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(applied.report?.processes.first?.outcome, .applied, applied.output)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" }, "the fixed compute runs")
        XCTAssertTrue(program.process.isRunning)
    }

    func testThreadsAlmostAlwaysInsideAreRunToTheirReturn() throws {
        try fixture.link("service", Self.spinService, flags: Fixtures.targetFlags)
        let patch = try create(id: "spin-fix", fix: "spin", Self.spinFix)
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "spin=1" }, "the old spin runs")

        var ran = 0
        for round in 1...5 {
            // Default --timeout (10 s); before run to return every stop found a spinner inside.
            let applied = try AgentBinary.run(
                ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: fixture.path("state"))
            XCTAssertEqual(applied.status, 0, "round \(round): \(applied.output)")
            XCTAssertEqual(applied.report?.processes.first?.outcome, .applied, applied.output)
            XCTAssertNotNil(program.waitForLine { $0 == "spin=2" }, "round \(round): the fixed spin runs")
            ran += Self.threadsRun(applied.output)

            let reverted = try AgentBinary.run(
                ["revert", "--id", "spin-fix", "--pid", "\(program.pid)"],
                stateDirectory: fixture.path("state"))
            XCTAssertEqual(reverted.status, 0, "round \(round): \(reverted.output)")
            XCTAssertEqual(reverted.report?.processes.first?.outcome, .reverted, reverted.output)
            XCTAssertNotNil(program.waitForLine { $0 == "spin=1" }, "round \(round): the old spin is back")
            ran += Self.threadsRun(reverted.output)
            print("round \(round): apply \(Self.summary(applied)); revert \(Self.summary(reverted))")
            XCTAssertTrue(program.process.isRunning, "round \(round)")
        }
        XCTAssertGreaterThan(ran, 0, "some stop let the spinners run to their return")
        XCTAssertFalse(program.lines.contains { $0.hasPrefix("BAD") })
    }

    func testThreadBlockedInsideIsRefusedByNameWhileOthersCouldBeRun() throws {
        try fixture.link("service", Self.spinService, flags: Fixtures.targetFlags)
        let patch = try create(id: "spin-fix", fix: "spin", Self.spinFix)
        let program = try TargetProgram(fixture.path("service"), ["block"])
        defer { program.stop() }
        let line = try XCTUnwrap(
            program.waitForLine { $0.hasPrefix("blocked=") }, "the blocked thread started")
        let blocked = try XCTUnwrap(Int32(line.dropFirst("blocked=".count)))
        XCTAssertNotNil(program.waitForLine { $0 == "spin=1" }, "the old spin runs")

        let refused = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--timeout", "1s"],
            stateDirectory: fixture.path("state"))

        XCTAssertEqual(refused.status, AgentExitCode.noSafePoint.rawValue, refused.output)
        let error = try XCTUnwrap(refused.report?.processes.first?.error, refused.output)
        XCTAssertEqual(error.symbol, "spin")
        XCTAssertEqual(error.tid, Tid(blocked), "the thread that cannot be run is named: \(error.message)")
        XCTAssertTrue(error.message.contains("holding a return address"), error.message)
        XCTAssertEqual(
            Self.threadsRun(refused.output), 0, "no spinner was run: one thread could never get out")
        XCTAssertTrue(program.process.isRunning)
        let before = program.lines.count
        XCTAssertNotNil(
            program.waitForLine { _ in program.lines.count > before + 2 }, "the program goes on printing")
        XCTAssertEqual(program.lines.last, "spin=1", "nothing was changed")
    }

    /// Pause, stops and threads run, for the log.
    private static func summary(_ run: AgentBinary.Run) -> String {
        let process = run.report?.processes.first
        let runs = PauseTrace.holds(run.output).map { "run_us=\($0.runMicroseconds)" }
        return
            "pause \(process?.pauseMicroseconds ?? 0) µs, \(process?.attempts ?? 0) stops, ran \(threadsRun(run.output)) "
            + "threads (\(runs.joined(separator: ",")))"
    }

    /// Threads let run to their return, summed over the stops of one agent run.
    private static func threadsRun(_ output: String) -> Int {
        PauseTrace.holds(output).reduce(0) { $0 + $1.ran }
    }

    /// Makes the patch with `hotpatch create`, as a user does; checks that it included `function`.
    private func create(id: String, fix function: String, _ source: String) throws -> String {
        let patch = try fixture.servicePatchPrinting(id: id, fix: source)
        XCTAssertTrue(patch.printed.contains("included: \(function)"), patch.printed)
        return patch.path
    }
}
