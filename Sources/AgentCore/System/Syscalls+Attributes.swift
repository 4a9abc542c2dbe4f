import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// Extended attributes (file capabilities live in the `security.capability` xattr, which a new
/// file does not have; the xattr calls go through the CPtrace shim) and syncing a directory so a
/// rename survives a crash.
extension Syscalls {
    /// The xattr holding a file's capabilities (`setcap`).
    static let capabilityAttribute = "security.capability"

    /// The value of xattr `name` of `path`, or nil when the file has none.
    static func attribute(_ name: String, of path: String) throws(SystemError) -> [UInt8]? {
        let size = cptrace_getxattr(path, name, nil, 0)
        if size < 0 {
            if errno == ENODATA || errno == ENOTSUP { return nil }
            throw SystemError(operation: "getxattr \(name) of \(path)", errno: Errno(rawValue: errno))
        }
        var value = [UInt8](repeating: 0, count: Int(size))
        let read = value.withUnsafeMutableBytes { cptrace_getxattr(path, name, $0.baseAddress, Int(size)) }
        if read < 0 { throw SystemError(operation: "getxattr \(name) of \(path)", errno: Errno(rawValue: errno)) }
        return Array(value.prefix(Int(read)))
    }

    /// Sets xattr `name` of the open file `fd`.
    static func setAttribute(_ name: String, _ value: [UInt8], of fd: FileDescriptor, path: String) throws(SystemError)
    {
        let result = value.withUnsafeBytes { cptrace_fsetxattr(fd.rawValue, name, $0.baseAddress, value.count) }
        if result != 0 { throw SystemError(operation: "setxattr \(name) on \(path)", errno: Errno(rawValue: errno)) }
    }

    /// Flushes a directory's entries (a rename in it) to disk; best effort, as some file systems
    /// refuse fsync on directories.
    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = Glibc.close(fd)
    }
}
