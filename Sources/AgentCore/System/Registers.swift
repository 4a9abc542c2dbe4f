import CPtrace

/// The x86-64 general registers of a stopped thread (`struct user_regs_struct`).
typealias Registers = user_regs_struct

extension Registers {
    /// True when the thread stopped inside a system call that the kernel will restart or finish
    /// when it resumes (`orig_rax` holds the call number, not -1).
    var isInSystemCall: Bool { Int64(bitPattern: orig_rax) >= 0 }
    /// The value `rax` holds as a signed return value.
    var signedResult: Int64 { Int64(bitPattern: rax) }
}
