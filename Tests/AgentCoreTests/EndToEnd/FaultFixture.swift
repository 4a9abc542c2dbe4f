import Foundation
import Shared
import TestSupport

/// The fault tests' target and its two-function patch, and the agent run with a failpoint.
enum FaultFixture {
    /// Three workers call `version_f` then `version_g` over and over and count the iterations
    /// where the two disagree; every 50 ms the main thread prints
    /// `tick N n=ITERATIONS mixed=DISAGREEING f=F g=G`. A half-patched process (one function
    /// new, the other old) shows as mixed=n in every tick; a switch between two calls of one
    /// iteration can show as at most one mixed iteration per worker, once.
    /// `fork`: the main thread also forks a child every other tick that checks the two itself
    /// for ~1.5 s (prints `child-mixed PID` when they disagree). SIGUSR1: exec itself as `execd`.
    static let source = """
        #define _GNU_SOURCE
        #include <pthread.h>
        #include <signal.h>
        #include <stdatomic.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>

        __attribute__((noinline, noipa)) int version_f(int x) { return x + 1; }
        __attribute__((noinline, noipa)) int version_g(int x) { return x + 1; }

        static atomic_long iterations, mixed;
        static volatile int last_f, last_g;
        static char *self;

        static void *worker(void *arg) {
            (void)arg;
            for (unsigned long i = 1;; i++) {
                int a = version_f(0), b = version_g(0);
                if (a != b) atomic_fetch_add(&mixed, 1);
                last_f = a; last_g = b;
                atomic_fetch_add(&iterations, 1);
                if (i % 512 == 0) usleep(200);
            }
            return NULL;
        }
        static void exec_self(int sig) {
            (void)sig;
            char *argv[] = {self, "execd", NULL};
            execv(self, argv);
        }
        int main(int argc, char **argv) {
            self = argv[0];
            int forking = argc > 1 && strcmp(argv[1], "fork") == 0;
            int execd = argc > 1 && strcmp(argv[1], "execd") == 0;
            signal(SIGUSR1, exec_self);
            signal(SIGCHLD, SIG_IGN);
            pthread_t t;
            for (int i = 0; i < 3; i++) pthread_create(&t, NULL, worker, NULL);
            for (long tick = 1;; tick++) {
                usleep(50000);
                long n = atomic_exchange(&iterations, 0), m = atomic_exchange(&mixed, 0);
                printf("tick %ld n=%ld mixed=%ld f=%d g=%d%s\\n", tick, n, m, last_f, last_g, execd ? " execd" : "");
                fflush(stdout);
                if (forking && tick % 2 == 0 && fork() == 0) {
                    for (int i = 0; i < 30; i++) {
                        if (version_f(0) != version_g(0)) { printf("child-mixed %d\\n", getpid()); fflush(stdout); }
                        usleep(50000);
                    }
                    _exit(0);
                }
            }
        }
        """

    /// Both functions return x + 2: f=2 g=2 once patched.
    static let fix = """
        __attribute__((noinline, noipa)) int version_f(int x) { return x + 2; }
        __attribute__((noinline, noipa)) int version_g(int x) { return x + 2; }
        """

    /// One parsed tick line.
    struct Tick {
        let number: Int
        let iterations: Int
        let mixed: Int
        let f: Int
        let g: Int

        init?(_ line: String) {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[0] == "tick", let number = Int(fields[1]) else { return nil }
            func value(_ index: Int) -> Int? { fields[index].split(separator: "=").last.flatMap { Int($0) } }
            guard let n = value(2), let m = value(3), let f = value(4), let g = value(5) else { return nil }
            (self.number, iterations, mixed, self.f, self.g) = (number, n, m, f, g)
        }
    }

    /// Runs the agent (`--json`, private state directory) with `HOTPATCH_AGENT_FAILPOINT` set.
    static func run(_ arguments: [String], failpoint: String?, state: String) throws -> AgentBinary.Run {
        let argv = arguments + ["--max-pause", "2s", "--json", "--state-dir", state]
        var environment = ProcessInfo.processInfo.environment
        environment["HOTPATCH_AGENT_FAILPOINT"] = failpoint
        let result = try Subprocess.run(AgentBinary.path, argv, environment: environment)
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try? JSONDecoder().decode(AgentReport.self, from: Data(line.utf8))
        return AgentBinary.Run(status: result.status, report: report, output: result.stdout + result.stderr)
    }

    /// Pids of live processes running the agent binary (the agent and its guardian).
    static func agentProcesses() -> [Int32] {
        let agent = (AgentBinary.path as NSString).resolvingSymlinksInPath
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
            else {
                return false
            }
            let states = ThreadStates.of(pid)
            return exe == agent && !states.isEmpty && !states.contains("Z")
        }
    }

    /// The start time of a process (field 22 of /proc/PID/stat), nil when it is gone.
    static func startTime(_ pid: Pid) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// The addresses (module offsets) of version_f and version_g in the linked target.
    static func entryOffsets(_ executable: String) throws -> [UInt64] {
        let elf = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: executable))))
        let symbols = try elf.symbolTable() ?? []
        return try ["version_f", "version_g"].map { name in
            guard let symbol = symbols.first(where: { $0.name == name && $0.isDefined }) else {
                throw TestPatchError("\(executable) has no \(name)")
            }
            return symbol.value
        }
    }
}

extension FaultFixture {
    /// One test's build of the target and its `fg-fix` patch, with a state folder for the agent.
    struct Workspace {
        /// The folder holding everything; `remove()` it after the test.
        let fixture: CFixture
        /// The agent's `--state-dir`.
        let state: String
        /// The linked target executable.
        let target: String
        /// The two-function patch (`version_f`, `version_g`).
        let patch: String
        /// The module offsets of the two functions' entries.
        let offsets: [UInt64]

        /// Compiles and links the target, compiles the fix, and builds the patch in a new folder.
        init(_ name: String) throws {
            fixture = try CFixture(name)
            state = fixture.path("state")
            target = try fixture.link("target", FaultFixture.source, flags: Fixtures.targetFlags)
            let object = try fixture.object("fg-fix", FaultFixture.fix, flags: Fixtures.objectFlags)
            patch = try CreateBinary.create(
                id: "fg-fix", target: target, object: object, functions: ["version_f", "version_g"],
                output: fixture.path("fg-fix.hotpatch"))
            offsets = try FaultFixture.entryOffsets(target)
        }
    }
}
