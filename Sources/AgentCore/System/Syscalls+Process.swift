import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's own process: identity, environment, output, exit, signals, fork, pipes.
extension Syscalls {
    /// The effective user id of the agent.
    static var effectiveUser: UInt32 { geteuid() }

    /// The host name, for reports.
    package static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, 255) == 0 else { return "localhost" }
        return String(
            decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes text to standard output or standard error.
    package static func print(_ text: String, toError: Bool = false) {
        try? write(toError ? .standardError : .standardOutput, Array(text.utf8), what: toError ? "stderr" : "stdout")
    }

    /// Ends the agent with a status.
    package static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

    /// Sends a signal to one thread of a process.
    static func sendSignal(_ signal: Signal, to tid: Tid, of pid: Pid) throws(SystemError) {
        if cptrace_tgkill(pid.rawValue, tid.rawValue, signal.rawValue) != 0 {
            throw failure("tgkill(\(signal)) tid \(tid)")
        }
    }

    /// The value of an environment variable, or nil.
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// The agent's own pid.
    static var processID: Pid { Pid(getpid()) }

    /// Sends a signal to a whole process (`kill`).
    static func signalProcess(_ pid: Pid, _ signal: Signal) throws(SystemError) {
        if kill(pid.rawValue, signal.rawValue) != 0 { throw failure("kill(\(signal)) pid \(pid)") }
    }

    /// A pipe: (read end, write end); the write end is close-on-exec, so a spawned reader
    /// never holds it (its end of file must mean the writer is gone).
    static func makePipe() throws(SystemError) -> (read: FileDescriptor, write: FileDescriptor) {
        var ends: [Int32] = [0, 0]
        if pipe(&ends) != 0 { throw failure("pipe") }
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (FileDescriptor(rawValue: ends[0]), FileDescriptor(rawValue: ends[1]))
    }

    /// Forks the agent (for the guardian): the child's pid in the parent, nil in the child.
    static func fork() throws(SystemError) -> Pid? {
        let pid = Glibc.fork()
        if pid < 0 { throw failure("fork") }
        return pid == 0 ? nil : Pid(pid)
    }

    /// In the guardian: a new session, stdin/stdout/stderr on /dev/null, every other
    /// descriptor closed but `keep`, so no caller waiting for the agent's output or its lock waits
    /// for the child too.
    static func detachFromCaller(keeping kept: FileDescriptor) {
        let keep = kept.rawValue
        _ = setsid()
        let null = Glibc.open("/dev/null", O_RDWR)
        if null >= 0 { for fd in Int32(0)...2 where fd != keep { _ = dup2(null, fd) } }
        for fd in Int32(3)..<1024 where fd != keep { _ = Glibc.close(fd) }
    }

    /// Reads up to `count` bytes; an empty result is end of file.
    static func read(_ fd: FileDescriptor, count: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, count) }
            if got >= 0 { return Array(buffer.prefix(got)) }
            if errno == EINTR { continue }
            throw failure("read fd \(fd.rawValue)")
        }
    }
}
