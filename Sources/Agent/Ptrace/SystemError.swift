/// A failed system call: which operation, on what, and the errno the kernel returned.
struct SystemError: Error, CustomStringConvertible {
    /// What was attempted, with its subject (for example `PTRACE_SEIZE tid 1234`).
    let operation: String
    /// The errno value.
    let code: Int32

    var description: String { "\(operation): \(Syscalls.errorText(code)) (errno \(code))" }

    /// True for errors that mean "you may not do this" rather than "this failed".
    var isPermission: Bool { code == 1 || code == 13 }  // EPERM, EACCES
    /// True when the process or thread is gone.
    var isGone: Bool { code == 3 }  // ESRCH
}
