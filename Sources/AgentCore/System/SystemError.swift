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
