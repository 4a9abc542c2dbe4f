import Foundation

/// The outcome of a finished program run by a test.
public struct ProgramResult: Sendable {
    /// Exit status (or 128 + signal when killed).
    public let status: Int32
    /// Everything it wrote to stdout.
    public let stdout: String
    /// Everything it wrote to stderr.
    public let stderr: String
}

/// An error starting a program.
public struct SubprocessError: Error, CustomStringConvertible {
    /// What could not be started, and why.
    public let description: String
}

/// Runs programs for tests the way a user would: no shell unless one is asked for by name.
///
/// Built on posix_spawn and waitpid on the child's own pid, with output going to files. Not
/// Foundation's `Process`: it learns of a child's exit through descriptors the child inherits,
/// so a child that leaves a daemon behind (sshd, a lab host) made `waitUntilExit` hang here, and
/// a short-lived child's exit was seen missed while another child ran.
public enum Subprocess {
    /// Runs `executable` with `arguments` to completion and captures both streams.
    /// `environment` nil inherits the test's; `currentDirectory` nil keeps the test's.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> ProgramResult {
        try runCapturing(
            executable, arguments, environment: environment, currentDirectory: currentDirectory, until: wait)
    }

    /// Spawns `executable` with both streams going to files in a scratch folder, lets `until`
    /// wait for it (returning its exit status), then reads both streams and removes the folder.
    static func runCapturing(
        _ executable: String, _ arguments: [String], environment: [String: String]?,
        currentDirectory: String? = nil, until waitForExit: (pid_t) -> Int32
    ) throws -> ProgramResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spawn-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pid = try spawn(
            executable, arguments, stdout: folder + "/out", stderr: folder + "/err", environment: environment,
            currentDirectory: currentDirectory)
        let status = waitForExit(pid)
        return ProgramResult(
            status: status, stdout: (try? String(contentsOfFile: folder + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: folder + "/err", encoding: .utf8)) ?? "")
    }

    /// The exit status a shell would show for a `waitpid` status: the code, or 128 + the signal.
    static func exitStatus(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Starts `path` with `arguments`, stdout and stderr going to the given files (created or
    /// truncated), stdin from /dev/null; returns its pid, which the caller must `wait` for.
    public static func spawn(
        _ path: String, _ arguments: [String], stdout: String, stderr: String,
        environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // glibc's posix_spawn_file_actions_addchdir_np is not visible to Swift; env(1) changes
        // directory and then execs the program itself, so the pid is still the program's.
        let command = currentDirectory.map { ["/usr/bin/env", "--chdir=\($0)", path] } ?? [path]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env =
            (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [
                nil
            ]
        defer { env.forEach { free($0) } }
        // An empty signal mask: the test's threads (Dispatch workers) block signals, and a child
        // inherits the mask through exec; a program waiting for SIGALRM would never see it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, command[0], &actions, &attributes, argv, env)
        guard rc == 0 else {
            throw SubprocessError(description: "cannot start \(path): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitStatus(fromWaitStatus: status)
    }

    /// True once `pid` has exited (and reaps it).
    public static func hasExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// SIGTERM, then waits for the exit.
    public static func terminate(_ pid: pid_t) {
        kill(pid, SIGTERM)
        wait(pid)
    }
}
