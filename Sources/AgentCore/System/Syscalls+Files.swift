import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// Files and directories: open, read, write, sync, rename, link, lock, list, stat.
extension Syscalls {
    /// Opens a file (close-on-exec); `mode` is for a file `create` makes.
    static func open(_ path: String, flags: OpenFlags, mode: UInt32 = 0) throws(SystemError) -> FileDescriptor {
        while true {
            let fd = Glibc.open(path, flags.rawValue | O_CLOEXEC, mode_t(mode))
            if fd >= 0 { return FileDescriptor(rawValue: fd) }
            if errno == EINTR { continue }
            throw failure("open \(path)")
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer at the end of the file or mapping.
    static func pread(_ fd: FileDescriptor, count: Int, offset: UInt64, what: @autoclosure () -> String)
        throws(SystemError)
        -> [UInt8]
    {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = buffer.withUnsafeMutableBytes { raw in
                Glibc.pread(
                    fd.rawValue, raw.baseAddress! + done, count - done, off_t(Int64(bitPattern: offset + UInt64(done)))
                )
            }
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                if done > 0 && errno == EIO { break }
                throw failure("read \(what())")
            }
            done += result
        }
        buffer.removeSubrange(done...)
        return buffer
    }

    /// Writes all bytes at `offset`.
    static func pwrite(_ fd: FileDescriptor, _ bytes: [UInt8], offset: UInt64, what: @autoclosure () -> String)
        throws(SystemError)
    {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.pwrite(
                    fd.rawValue, raw.baseAddress! + done, bytes.count - done,
                    off_t(Int64(bitPattern: offset + UInt64(done))))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write \(what())")
            }
            // 0: nothing can be written there any more (a /proc/PID/mem whose process exec'd or
            // exited: its old memory is gone); retrying would spin forever.
            if result == 0 { throw SystemError(operation: "write \(what()): wrote nothing", errno: .ioError) }
            done += result
        }
    }

    /// Appends all bytes to a descriptor opened with O_APPEND (or a pipe).
    static func write(_ fd: FileDescriptor, _ bytes: [UInt8], what: @autoclosure () -> String) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.write(fd.rawValue, raw.baseAddress! + done, bytes.count - done)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write \(what())")
            }
            // 0: nothing can be written there any more (a /proc/PID/mem whose process exec'd or
            // exited: its old memory is gone); retrying would spin forever.
            if result == 0 { throw SystemError(operation: "write \(what()): wrote nothing", errno: .ioError) }
            done += result
        }
    }

    /// Reads a whole (small or /proc) file.
    static func readFile(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = try open(path, flags: .readOnly)
        defer { fd.close() }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let result = chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress!, $0.count) }
            if result == 0 { return out }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("read \(path)")
            }
            out.append(contentsOf: chunk[0..<result])
        }
    }

    /// The names in a directory, without `.` and `..`.
    static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw failure("opendir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The target of a symbolic link (for `/proc/PID/exe`).
    static func readLink(_ path: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        if count < 0 { throw failure("readlink \(path)") }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The canonical absolute path (symlinks resolved), as `/proc/PID/maps` prints paths.
    static func realPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw failure("realpath \(path)") }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Owner, group and mode of a file.
    static func fileStatus(_ path: String) throws(SystemError) -> (uid: UInt32, gid: UInt32, mode: UInt32) {
        var info = stat()
        if stat(path, &info) != 0 { throw failure("stat \(path)") }
        return (info.st_uid, info.st_gid, info.st_mode & 0o7777)
    }

    /// True when something exists at the path.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Sets owner and mode of an open file.
    static func setOwnerAndMode(_ fd: FileDescriptor, uid: UInt32, gid: UInt32, mode: UInt32, path: String)
        throws(SystemError)
    {
        if fchown(fd.rawValue, uid, gid) != 0 { throw failure("chown \(path)") }
        if fchmod(fd.rawValue, mode) != 0 { throw failure("chmod \(path)") }
    }

    /// Flushes a file to disk.
    static func sync(_ fd: FileDescriptor, path: String) throws(SystemError) {
        if fsync(fd.rawValue) != 0 { throw failure("fsync \(path)") }
    }

    /// Atomically renames within one file system.
    static func rename(_ from: String, to: String) throws(SystemError) {
        if Glibc.rename(from, to) != 0 { throw failure("rename \(from) to \(to)") }
    }

    /// Makes a second name for a file (used to keep the old binary as a backup).
    static func link(_ from: String, to: String) throws(SystemError) {
        if Glibc.link(from, to) != 0 { throw failure("link \(from) to \(to)") }
    }

    /// Removes a name.
    static func unlink(_ path: String) throws(SystemError) {
        if Glibc.unlink(path) != 0 { throw failure("unlink \(path)") }
    }

    /// Creates a directory and its parents (mode 0755); existing ones are fine.
    /// Parents that are missing are made 0755; the last component, when this creates it, gets
    /// `mode` (the agent's own state folders are 0700: the journal is root's business).
    static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws(SystemError) {
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, part) in parts.enumerated() {
            prefix += "/" + part
            let wanted: mode_t = index == parts.count - 1 ? mode : 0o755
            if mkdir(prefix, wanted) != 0 && errno != EEXIST { throw failure("mkdir \(prefix)") }
        }
    }

    /// Takes an exclusive advisory lock, waiting for other agents to release theirs.
    static func lockExclusive(_ fd: FileDescriptor, path: String) throws(SystemError) {
        while flock(fd.rawValue, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            throw failure("flock \(path)")
        }
    }
}
