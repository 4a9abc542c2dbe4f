import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's one way into C: every call to libc, the CPtrace shim and libsodium is in this
/// folder (`Syscalls+<concern>.swift`: ptrace, wait, remote memory, files, process, clock,
/// scheduling, shared memory, file attributes, host, signatures); nothing else in AgentCore
/// imports Glibc or a C module. Every function throws a ``SystemError`` naming the operation, its
/// subject and the ``Errno``; EINTR is retried here, explicitly. Signals are ``Signal`` values.
///
/// Why not apple/swift-system (SystemPackage): its `FileDescriptor`, `Errno` and `FilePath`
/// cover only the files part of this folder (ptrace, waitpid, process_vm_readv, sched_*,
/// xattrs and uname would stay here anyway), so it would add a second way into C next to this
/// one, and the release agent is within 2% of its gzipped budget (3,095,216 of 3,145,728 bytes)
/// with every byte of its own code already squeezed by LTO. Named errno values and signals are a
/// few lines here (``Errno``, ``Signal``).
package enum Syscalls {
    /// The text of an errno value (`strerror`).
    static func errorText(_ code: Errno) -> String { String(cString: strerror(code.rawValue)) }

    /// The error for the operation that just failed, with the errno it set.
    static func failure(_ operation: String) -> SystemError {
        SystemError(operation: operation, errno: Errno(rawValue: errno))
    }
}
