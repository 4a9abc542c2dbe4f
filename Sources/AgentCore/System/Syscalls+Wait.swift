import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// Waiting for traced threads (`waitpid` with `__WALL`) and decoding what happened to them.
extension Syscalls {
    /// The state change of one traced thread if it has one, nil if it has none yet (no waiting).
    static func waitIfChanged(_ tid: Tid) throws(SystemError) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = cptrace_waitpid_nohang(tid.rawValue, &status)
            if result == tid.rawValue { return status }
            if result == 0 { return nil }
            let code = errno
            if result < 0 && code == EINTR { continue }
            throw SystemError(operation: "waitpid tid \(tid)", errno: Errno(rawValue: code))
        }
    }

    /// Waits for a state change of one traced thread; returns the raw status.
    static func wait(_ tid: Tid) throws(SystemError) -> Int32 {
        var status: Int32 = 0
        while true {
            let result = cptrace_waitpid(tid.rawValue, &status, cptrace_wall())
            if result == tid.rawValue { return status }
            let code = errno
            if result < 0 && code == EINTR { continue }
            throw SystemError(operation: "waitpid tid \(tid)", errno: Errno(rawValue: code))
        }
    }

    /// Decodes a wait status.
    static func decode(_ status: Int32) -> WaitStatus {
        if cptrace_wifexited(status) != 0 { return .exited(code: cptrace_wexitstatus(status)) }
        if cptrace_wifsignaled(status) != 0 { return .killed(signal: cptrace_wtermsig(status)) }
        return .stopped(signal: cptrace_wstopsig(status), event: cptrace_event(status))
    }

    /// The `PTRACE_EVENT_STOP` number (interrupt and group stops).
    static var eventStop: Int32 { Int32(CPTRACE_EVENT_STOP) }
}

/// A decoded `waitpid` status.
enum WaitStatus: Equatable {
    /// The thread exited (for the thread group leader: the process).
    case exited(code: Int32)
    /// A signal killed it.
    case killed(signal: Int32)
    /// A ptrace stop: `event` is the PTRACE_EVENT_* number (0 for a signal-delivery stop).
    case stopped(signal: Int32, event: Int32)
}
