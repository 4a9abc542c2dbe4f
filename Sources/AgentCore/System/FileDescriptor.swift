#if canImport(Glibc)
    import Glibc
#endif

/// An open file descriptor of the agent's own (a file, `/proc/PID/mem`, a pipe end). Its owner
/// closes it on every path: `defer { fd.close() }`, or in its `deinit`.
struct FileDescriptor: Equatable {
    /// The kernel's number for it.
    let rawValue: Int32

    /// Standard output (never closed by the agent).
    static let standardOutput = FileDescriptor(rawValue: 1)
    /// Standard error (never closed by the agent).
    static let standardError = FileDescriptor(rawValue: 2)

    /// Closes it (errors are ignored: nothing useful can be done about a failed close here).
    func close() { _ = Glibc.close(rawValue) }
}

/// How ``Syscalls/open(_:flags:mode:)`` opens a file; close-on-exec is always added.
struct OpenFlags: OptionSet {
    let rawValue: Int32

    /// Read only (`O_RDONLY`, no bits: the empty set).
    static let readOnly: OpenFlags = []
    /// `O_WRONLY`.
    static let writeOnly = OpenFlags(rawValue: O_WRONLY)
    /// `O_RDWR`.
    static let readWrite = OpenFlags(rawValue: O_RDWR)
    /// `O_CREAT`: create the file when missing.
    static let create = OpenFlags(rawValue: O_CREAT)
    /// `O_EXCL`: with `create`, fail when it exists.
    static let exclusive = OpenFlags(rawValue: O_EXCL)
    /// `O_TRUNC`.
    static let truncate = OpenFlags(rawValue: O_TRUNC)
    /// `O_APPEND`.
    static let append = OpenFlags(rawValue: O_APPEND)
    /// `O_NOFOLLOW`: a symbolic link is refused, not followed.
    static let noFollow = OpenFlags(rawValue: O_NOFOLLOW)
    /// `O_DIRECTORY`.
    static let directory = OpenFlags(rawValue: O_DIRECTORY)
}
