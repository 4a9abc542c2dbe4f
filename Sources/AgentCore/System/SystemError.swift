#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: which operation, on what, and the errno the kernel returned.
struct SystemError: Error, CustomStringConvertible {
    /// What was attempted, with its subject (for example `PTRACE_SEIZE tid 1234`).
    let operation: String
    /// What the kernel said.
    let errno: Errno

    var description: String { "\(operation): \(Syscalls.errorText(errno)) (errno \(errno.rawValue))" }

    /// True for errors that mean "you may not do this" rather than "this failed".
    var isPermission: Bool { errno == .notPermitted || errno == .accessDenied }
    /// True when the process or thread is gone.
    var isGone: Bool { errno == .noSuchProcess }
}

/// An errno value, with names for the ones the agent decides on.
struct Errno: RawRepresentable, Equatable, Hashable {
    let rawValue: Int32
    init(rawValue: Int32) { self.rawValue = rawValue }

    /// EPERM.
    static let notPermitted = Errno(rawValue: EPERM)
    /// ENOENT.
    static let noSuchFile = Errno(rawValue: ENOENT)
    /// ESRCH: no such process or thread.
    static let noSuchProcess = Errno(rawValue: ESRCH)
    /// EINTR: interrupted by a signal (retried where it can happen).
    static let interrupted = Errno(rawValue: EINTR)
    /// EIO.
    static let ioError = Errno(rawValue: EIO)
    /// ECHILD: nothing (left) to wait for.
    static let noChild = Errno(rawValue: ECHILD)
    /// EACCES.
    static let accessDenied = Errno(rawValue: EACCES)
}

/// A signal number, named.
struct Signal: RawRepresentable, Equatable, Hashable, CustomStringConvertible {
    let rawValue: Int32
    init(rawValue: Int32) { self.rawValue = rawValue }

    /// SIGKILL.
    static let kill = Signal(rawValue: SIGKILL)
    /// SIGSTOP.
    static let stop = Signal(rawValue: SIGSTOP)
    /// SIGCONT: discards every pending stop signal of the process.
    static let `continue` = Signal(rawValue: SIGCONT)
    /// SIGTRAP.
    static let trap = Signal(rawValue: SIGTRAP)

    var description: String {
        switch self {
        case .kill: "SIGKILL"
        case .stop: "SIGSTOP"
        case .continue: "SIGCONT"
        case .trap: "SIGTRAP"
        default: "signal \(rawValue)"
        }
    }
}
