import Foundation
import Shared

/// A parity service started by a test, as a user would start it: the real executable (built by
/// ``ParityBuild/built()``), stdout going to ``log`` in a private directory, stderr to a file
/// beside it. Read its lines with ``waitForLine(skipping:timeout:description:where:)``, pause it
/// with ``suspend()``/``resume()``, end it with ``stop(_:timeout:)``. Whatever a test forgets,
/// deinit kills the process (SIGKILL) and removes the directory.
///
///     let service = try ParityService.start(.executable(.v1), .init(threads: 2))
///     let line = try service.waitForLine { $0.sequence >= 2 }
///     XCTAssertGreaterThan(line.misclassifiedDelta, 0)
///     let exit = try service.stop()
///
/// For a service started elsewhere (the lab, a shell), read its log with ``ParityLog``.
public final class ParityService: @unchecked Sendable {
    // @unchecked: every stored property is immutable; the Process is only asked thread-safe
    // things (isRunning, pid, termination status), and a test drives one service from one thread.

    /// Which build to run.
    public enum Program: Sendable, Hashable, CustomStringConvertible {
        /// `build/parity-v1` or `build/parity-v2`: is_even linked into the executable.
        case executable(ParityBuild.Version)
        /// `build/parity-lib` with `LD_LIBRARY_PATH=build/lib-vN`: is_even from libparity.so.
        case sharedLibrary(ParityBuild.Version)

        /// The build's name, for messages.
        public var description: String {
            switch self {
            case .executable(let version): return "parity-\(version)"
            case .sharedLibrary(let version): return "parity-lib with libparity-\(version).so"
            }
        }
    }

    /// The service's command-line options; nil leaves the service's own default.
    public struct Options: Sendable {
        /// `--threads` (service default 4). Keep it small: the test machine has two cores.
        public var threads: Int?
        /// `--delay-us` (service default 1000; 0 is a busy loop).
        public var delayMicroseconds: Int?
        /// `--seconds`: exit by itself after this long (default: run until stopped).
        public var seconds: Int?
        /// `--interval-ms` (service default 1000).
        public var intervalMilliseconds: Int?
        /// `--seed` (default: from the clock).
        public var seed: UInt64?

        /// Options with the given values; the rest stay the service's defaults.
        public init(
            threads: Int? = nil, delayMicroseconds: Int? = nil, seconds: Int? = nil,
            intervalMilliseconds: Int? = nil, seed: UInt64? = nil
        ) {
            self.threads = threads
            self.delayMicroseconds = delayMicroseconds
            self.seconds = seconds
            self.intervalMilliseconds = intervalMilliseconds
            self.seed = seed
        }

        /// The options as the service's command line.
        public var arguments: [String] {
            var arguments: [String] = []
            if let threads { arguments += ["--threads", String(threads)] }
            if let delayMicroseconds { arguments += ["--delay-us", String(delayMicroseconds)] }
            if let seconds { arguments += ["--seconds", String(seconds)] }
            if let intervalMilliseconds { arguments += ["--interval-ms", String(intervalMilliseconds)] }
            if let seed { arguments += ["--seed", String(seed)] }
            return arguments
        }
    }

    /// How a stopped service ended.
    public struct Exit: Sendable {
        /// Exit status, or 128 + signal number when a signal killed it.
        public let status: Int32
        /// Every parity line it printed.
        public let lines: [ParityLine]
        /// Everything it wrote to stderr (usage errors; empty in normal runs).
        public let stderr: String
        /// Its last line when that is the final one (final=1): proof of a clean exit path.
        public var finalLine: ParityLine? { lines.last.flatMap { $0.isFinal ? $0 : nil } }
    }

    /// The signals a test sends the service.
    public enum Signal: String, Sendable {
        /// SIGTERM: print a final line, exit 0.
        case terminate = "TERM"
        /// SIGINT (Ctrl-C): the same.
        case interrupt = "INT"
        /// SIGSTOP: every thread stops (the stall meter's test).
        case stop = "STOP"
        /// SIGCONT: resume after SIGSTOP.
        case resume = "CONT"
        /// SIGKILL: no final line; only for cleanup.
        case kill = "KILL"
    }

    /// The build that runs.
    public let program: Program
    /// The service's process id.
    public let pid: Pid
    /// Its stdout: one parity line per interval.
    public let log: ParityLog
    /// The file its stderr goes to.
    public let stderrPath: String
    /// The private directory holding the log and stderr files; removed by deinit.
    public let directory: String
    /// The command line it was started with (program path first), for messages.
    public let commandLine: [String]
    private let process: Process

    /// Builds the service if needed and starts `program` with `options`. Returns at once; wait
    /// for its first line with ``waitForLine(skipping:timeout:description:where:)``.
    public static func start(_ program: Program, _ options: Options = Options()) throws(ParityServiceError)
        -> ParityService
    {
        let build = try ParityBuild.built()
        var environment = ProcessInfo.processInfo.environment
        let executable: String
        switch program {
        case .executable(let version):
            executable = build.executable(version)
        case .sharedLibrary(let version):
            executable = build.sharedLibraryLoop
            // The version's directory first: it wins over RUNPATH's build/libparity.so.
            let inherited = environment["LD_LIBRARY_PATH"].map { ":" + $0 } ?? ""
            environment["LD_LIBRARY_PATH"] = build.libraryDirectory(version) + inherited
        }
        let commandLine = [executable] + options.arguments
        let directory = NSTemporaryDirectory() + "hotpatch-parity-" + UUID().uuidString.prefix(8).lowercased()
        let logPath = directory + "/parity.log"
        let stderrPath = directory + "/parity.stderr"
        let process = Process()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let stdout = try Self.createFile(logPath)
            let stderr = try Self.createFile(stderrPath)
            // The child has its own copies once running; ours are closed on every path.
            defer {
                try? stdout.close()
                try? stderr.close()
            }
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = options.arguments
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw .startFailed(command: commandLine.joined(separator: " "), reason: "\(error)")
        }
        return ParityService(
            program: program, process: process, directory: directory, log: ParityLog(path: logPath),
            stderrPath: stderrPath, commandLine: commandLine)
    }

    private init(
        program: Program, process: Process, directory: String, log: ParityLog, stderrPath: String,
        commandLine: [String]
    ) {
        self.program = program
        self.process = process
        self.pid = Pid(process.processIdentifier)
        self.directory = directory
        self.log = log
        self.stderrPath = stderrPath
        self.commandLine = commandLine
    }

    deinit {
        if process.isRunning {
            signal(.kill)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// True until the process has exited.
    public var isRunning: Bool { process.isRunning }

    /// Every complete parity line so far (see ``ParityLog/lines()``).
    public func lines() throws(ParityServiceError) -> [ParityLine] {
        do throws(ParityLineError) { return try log.lines() } catch {
            throw .malformedLine(log: log.path, error)
        }
    }

    /// Waits for the first line after the first `skipping` ones that satisfies `condition` (see
    /// ``ParityLog/waitForLine(skipping:timeout:description:where:)``). When the service has
    /// died meanwhile, the error shows its stderr too.
    public func waitForLine(
        skipping: Int = 0, timeout: Duration = .seconds(15), description: String = "a parity line",
        where condition: (ParityLine) -> Bool = { _ in true }
    ) throws(ParityServiceError) -> ParityLine {
        do throws(ParityServiceError) {
            return try log.waitForLine(
                skipping: skipping, timeout: timeout, description: description, where: condition)
        } catch .timedOut(let waitingFor, let path, let tail) {
            throw .timedOut(
                waitingFor: waitingFor + " from \(program) (pid \(pid))", log: path, tail: tail + stateNote())
        }
    }

    /// Sends `signal` to the service (through `/usr/bin/kill`, as a user would). Does nothing
    /// once the process has exited, so a reused pid is never hit.
    public func signal(_ signal: Signal) {
        guard process.isRunning else { return }
        _ = try? Subprocess.run("/usr/bin/kill", ["-s", signal.rawValue, String(pid.rawValue)])
    }

    /// SIGSTOP, and returns once every thread of the service is stopped (state T in
    /// /proc/PID/task/*/stat): from then on no line and no iteration happens until ``resume()``.
    public func suspend(timeout: Duration = .seconds(10)) throws(ParityServiceError) {
        if let states = ThreadStates.stop(pid.rawValue, timeout: timeout) {
            throw .didNotStop(pid: pid.rawValue, states: states.isEmpty ? "gone" : String(states))
        }
    }

    /// SIGCONT: the service carries on after ``suspend()``.
    public func resume() { signal(.resume) }

    /// Sends `signal` (SIGTERM by default), waits for the exit and returns it. A service still
    /// running after `timeout` is killed and reported as an error: its exit path is broken.
    @discardableResult
    public func stop(_ signal: Signal = .terminate, timeout: Duration = .seconds(15))
        throws(ParityServiceError)
        -> Exit
    {
        self.signal(signal)
        return try waitForExit(timeout: timeout, after: "SIG" + signal.rawValue)
    }

    /// Waits for a service started with `seconds` to exit by itself; kills it after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(15), after cause: String = "its --seconds")
        throws(ParityServiceError) -> Exit
    {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            self.signal(.kill)
            process.waitUntilExit()
            throw .didNotExit(pid: pid.rawValue, signal: cause, tail: log.tail())
        }
        let status =
            process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return Exit(status: status, lines: try lines(), stderr: stderrText())
    }

    /// What the service wrote to stderr so far.
    public func stderrText() -> String {
        FileManager.default.contents(atPath: stderrPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private static func createFile(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return handle
    }

    /// One state letter per thread (R, S, T, …) from /proc/PID/task/*/stat; empty when gone.
    /// Why a wait may have failed: the service exited (with its stderr) or is still running.
    private func stateNote() -> String {
        guard !process.isRunning else {
            return "\n(the service is still running: \(commandLine.joined(separator: " ")))"
        }
        return "\n(the service exited with status \(process.terminationStatus); stderr: \(stderrText()))"
    }
}
