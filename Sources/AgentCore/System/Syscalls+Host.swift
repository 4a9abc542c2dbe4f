import Glibc

/// The host as the preflight sees it (uname, statvfs): nothing here changes anything.
extension Syscalls {
    /// `uname -r` and `uname -m`.
    static func kernel() -> (release: String, machine: String) {
        var names = utsname()
        guard uname(&names) == 0 else { return ("?", "?") }
        func text<T>(_ field: inout T) -> String {
            withUnsafeBytes(of: &field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return (text(&names.release), text(&names.machine))
    }

    /// Bytes an unprivileged writer may still use on the file system holding `path`.
    static func freeBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) &* UInt64(info.f_frsize)
    }
}
