#if canImport(Glibc)
    import Glibc
#endif

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
