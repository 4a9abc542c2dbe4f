import Foundation
import Shared
import TestSupport
import XCTest

/// The stack half of the safe-point rule on a real process: a thread blocked in a system call
/// made from inside the replaced function has its instruction pointer in libc, and only the
/// return address on its stack says it will come back into the function. The agent reads every
/// thread's live stack in one batched read; the thread in the way is the last one of 49.
final class SafePointStackTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("agent-safepoint-stack") }
    override func tearDown() { fixture.remove() }

    /// 48 sleeping workers, then a holder blocked in `read` inside `hold` until a file appears.
    private static let service = """
        #define _GNU_SOURCE
        #include <pthread.h>
        #include <stdio.h>
        #include <sys/syscall.h>
        #include <time.h>
        #include <unistd.h>

        static int pipefd[2];
        static const char *release_path;

        __attribute__((noinline, noipa)) int hold(int fd) {
            char c;
            return (int)read(fd, &c, 1) + 41;
        }
        static void *worker(void *arg) {
            (void)arg;
            struct timespec ms = {0, 1000000};
            for (;;) nanosleep(&ms, NULL);
            return NULL;
        }
        static void *holder(void *arg) {
            (void)arg;
            printf("holder=%ld\\n", (long)syscall(SYS_gettid)); fflush(stdout);
            int r = hold(pipefd[0]);
            printf("released=%d\\n", r); fflush(stdout);
            for (;;) pause();
            return NULL;
        }
        int main(int argc, char **argv) {
            if (argc < 2 || pipe(pipefd) != 0) return 2;
            release_path = argv[1];
            pthread_t t;
            for (int i = 0; i < 48; i++) pthread_create(&t, NULL, worker, NULL);
            pthread_create(&t, NULL, holder, NULL);
            while (access(release_path, F_OK) != 0) usleep(20000);
            if (write(pipefd[1], "x", 1) != 1) return 3;
            for (;;) pause();
        }
        """

    func testReturnAddressOnTheLastThreadsStackBlocksApplyUntilItReturns() throws {
        try fixture.link("service", Self.service, flags: Fixtures.targetFlags)
        let patch = try fixture.servicePatch(
            id: "hold-fix",
            fix: "__attribute__((noinline, noipa)) int hold(int fd) { (void)fd; return 7; }\n",
            functions: ["hold"])
        let release = fixture.path("release")
        let program = try TargetProgram(fixture.path("service"), [release])
        defer { program.stop() }
        let holderLine = try XCTUnwrap(program.waitForLine { $0.hasPrefix("holder=") }, "the holder started")
        let holder = try XCTUnwrap(Int32(holderLine.dropFirst("holder=".count)))
        XCTAssertTrue(blockedInRead(program.pid, holder), "the holder is blocked in read inside hold")

        let blocked = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--timeout", "300ms", "--max-pause", "2s"],
            stateDirectory: fixture.path("state"))

        XCTAssertEqual(blocked.status, AgentExitCode.noSafePoint.rawValue, blocked.output)
        let error = try XCTUnwrap(blocked.report?.processes.first?.error, blocked.output)
        XCTAssertEqual(error.symbol, "hold")
        XCTAssertEqual(error.tid, Tid(holder), "the holder, the newest of the 50 threads")
        XCTAssertTrue(error.message.contains("holding a return address"), error.message)

        // Once it has returned from hold, nothing is in the way.
        FileManager.default.createFile(atPath: release, contents: Data())
        XCTAssertNotNil(program.waitForLine { $0 == "released=42" }, "the holder left hold")
        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--max-pause", "2s"],
            stateDirectory: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(applied.report?.processes.first?.outcome, .applied, applied.output)
    }

    /// Waits until the thread is blocked in read(2) (`/proc/PID/task/TID/syscall` starts with 0).
    private func blockedInRead(_ pid: Pid, _ tid: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text =
                (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/syscall", encoding: .utf8)) ?? ""
            if text.hasPrefix("0 ") { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}
