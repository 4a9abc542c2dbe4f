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
/// Why not apple/swift-system 1.8.1 (SystemPackage): measured, it does not fit the budget. With
/// only `open`, `close` and `pwrite` of the files part going through its `FileDescriptor` and
/// `FilePath`, the static release agent (scripts/build-release --agent) grew from 7,671,456 to
/// 7,810,720 bytes stripped and from 3,097,114 to 3,154,837 gzipped: 8 KiB over the 3 MiB sent
/// to each host. And it covers only files: ptrace, waitpid, process_vm_readv, sched_*, xattrs
/// and uname would stay here anyway, a second way into C next to it. ``FileDescriptor``,
/// ``OpenFlags``, ``Errno`` and ``Signal`` here are the few lines of it the agent needs.
package enum Syscalls {
    /// The text of an errno value (`strerror`).
    static func errorText(_ code: Errno) -> String { String(cString: strerror(code.rawValue)) }

    /// The error for the operation that just failed, with the errno it set.
    static func failure(_ operation: String) -> SystemError {
        SystemError(operation: operation, errno: Errno(rawValue: errno))
    }
}
