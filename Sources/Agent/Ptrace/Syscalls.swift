import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's way into C (this file and `Syscalls+SharedMemory.swift`): ptrace through the
/// CPtrace shim, and the few libc calls the agent needs (files, directories, clocks, locks).
/// Every function throws a ``SystemError`` naming the operation and its subject; EINTR is
/// retried here, explicitly.
enum Syscalls {
    /// The text of an errno value (`strerror`).
    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    // MARK: ptrace

    /// Attaches to one thread without stopping it (`PTRACE_SEIZE`).
    static func seize(_ tid: Tid) throws(SystemError) {
        if cptrace_seize(tid.rawValue, 0) != 0 { throw failure("PTRACE_SEIZE tid \(tid)") }
    }

    /// Asks a seized thread to stop; it reports a `PTRACE_EVENT_STOP` to `wait`.
    static func interrupt(_ tid: Tid) throws(SystemError) {
        if cptrace_interrupt(tid.rawValue) != 0 { throw failure("PTRACE_INTERRUPT tid \(tid)") }
    }

    /// Detaches and lets the thread run, delivering `signal` (0 for none).
    static func detach(_ tid: Tid, signal: Int32) throws(SystemError) {
        if cptrace_detach(tid.rawValue, signal) != 0 { throw failure("PTRACE_DETACH tid \(tid)") }
    }

    /// Resumes a stopped thread, delivering `signal` (0 for none).
    static func cont(_ tid: Tid, signal: Int32) throws(SystemError) {
        if cptrace_cont(tid.rawValue, signal) != 0 { throw failure("PTRACE_CONT tid \(tid)") }
    }

    /// Executes one instruction of a stopped thread.
    static func singleStep(_ tid: Tid) throws(SystemError) {
        if cptrace_singlestep(tid.rawValue) != 0 { throw failure("PTRACE_SINGLESTEP tid \(tid)") }
    }

    /// Writes debug register `index` (DR0-DR3: breakpoint addresses, DR6: status, DR7: control)
    /// of a stopped thread; the breakpoints are the thread's own, no other thread sees them.
    static func setDebugRegister(_ index: Int32, _ value: UInt64, of tid: Tid) throws(SystemError) {
        if cptrace_set_debugreg(tid.rawValue, index, UInt(value)) != 0 {
            throw failure("PTRACE_POKEUSER DR\(index) tid \(tid)")
        }
    }

    /// The state change of one traced thread if it has one, nil if it has none yet (no waiting).
    static func waitIfChanged(_ tid: Tid) throws(SystemError) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = cptrace_waitpid_nohang(tid.rawValue, &status)
            if result == tid.rawValue { return status }
            if result == 0 { return nil }
            let code = errno
            if result < 0 && code == EINTR { continue }
            throw SystemError(operation: "waitpid tid \(tid)", code: code)
        }
    }

    /// Reads the general registers of a stopped thread.
    static func registers(of tid: Tid) throws(SystemError) -> user_regs_struct {
        var regs = user_regs_struct()
        if cptrace_getregs(tid.rawValue, &regs) != 0 { throw failure("PTRACE_GETREGS tid \(tid)") }
        return regs
    }

    /// Writes the general registers of a stopped thread.
    static func setRegisters(_ regs: user_regs_struct, of tid: Tid) throws(SystemError) {
        var copy = regs
        if cptrace_setregs(tid.rawValue, &copy) != 0 { throw failure("PTRACE_SETREGS tid \(tid)") }
    }

    /// Reads ranges of another process's memory into `buffer`, back to back, in as few calls as
    /// the kernel allows (`process_vm_readv`, 1024 ranges a call); returns how many bytes
    /// arrived. A range that cannot be read ends the transfer there, so a short count means the
    /// ranges after that point are to be read another way.
    static func readMemory(
        of pid: Pid, ranges: [(address: UInt64, count: Int)], into buffer: UnsafeMutableRawBufferPointer
    ) throws(SystemError) -> Int {
        var done = 0
        var next = 0
        var local: [iovec] = []
        var remote: [iovec] = []
        while next < ranges.count {
            let chunk = ranges[next..<min(next + 1024, ranges.count)]
            local.removeAll(keepingCapacity: true)
            remote.removeAll(keepingCapacity: true)
            var end = done
            for range in chunk {
                precondition(end + range.count <= buffer.count, "readMemory: buffer too small")
                local.append(iovec(iov_base: buffer.baseAddress! + end, iov_len: range.count))
                remote.append(
                    iovec(
                        iov_base: UnsafeMutableRawPointer(bitPattern: UInt(range.address)),
                        iov_len: range.count))
                end += range.count
            }
            let got = cptrace_process_vm_readv(
                pid.rawValue, local, UInt(local.count), remote, UInt(remote.count))
            if got < 0 {
                if errno == EINTR { continue }
                throw failure("process_vm_readv pid \(pid)")
            }
            done += got
            if done < end { return done }
            next += chunk.count
        }
        return done
    }

    /// Waits for a state change of one traced thread; returns the raw status.
    static func wait(_ tid: Tid) throws(SystemError) -> Int32 {
        var status: Int32 = 0
        while true {
            let result = cptrace_waitpid(tid.rawValue, &status, cptrace_wall())
            if result == tid.rawValue { return status }
            let code = errno
            if result < 0 && code == EINTR { continue }
            throw SystemError(operation: "waitpid tid \(tid)", code: code)
        }
    }

    /// Decodes a wait status.
    static func decode(_ status: Int32) -> WaitStatus {
        if cptrace_wifexited(status) != 0 { return .exited(code: cptrace_wexitstatus(status)) }
        if cptrace_wifsignaled(status) != 0 { return .killed(signal: cptrace_wtermsig(status)) }
        return .stopped(signal: cptrace_wstopsig(status), event: cptrace_event(status))
    }

    /// The `PTRACE_EVENT_STOP` number (interrupt and group stops).
    static var eventStop: Int32 { Int32(CPTRACE_EVENT_STOP) }

    /// Sends a signal to one thread of a process.
    static func sendSignal(_ signal: Int32, to tid: Tid, of pid: Pid) throws(SystemError) {
        if cptrace_tgkill(pid.rawValue, tid.rawValue, signal) != 0 { throw failure("tgkill tid \(tid)") }
    }

    // MARK: files

    /// Opens a file; flags as for open(2).
    static func open(_ path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw failure("open \(path)")
        }
    }

    /// Closes a descriptor; errors are ignored because there is nothing left to do about them.
    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Reads up to `count` bytes at `offset`; fewer at the end of the file or mapping.
    static func pread(_ fd: Int32, count: Int, offset: UInt64, what: @autoclosure () -> String)
        throws(SystemError)
        -> [UInt8]
    {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = buffer.withUnsafeMutableBytes { raw in
                Glibc.pread(
                    fd, raw.baseAddress! + done, count - done, off_t(Int64(bitPattern: offset + UInt64(done)))
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
    static func pwrite(_ fd: Int32, _ bytes: [UInt8], offset: UInt64, what: @autoclosure () -> String)
        throws(SystemError)
    {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.pwrite(
                    fd, raw.baseAddress! + done, bytes.count - done,
                    off_t(Int64(bitPattern: offset + UInt64(done))))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write \(what())")
            }
            // 0: nothing can be written there any more (a /proc/PID/mem whose process exec'd or
            // exited: its old memory is gone); retrying would spin forever.
            if result == 0 { throw SystemError(operation: "write \(what()): wrote nothing", code: EIO) }
            done += result
        }
    }

    /// Appends all bytes to a descriptor opened with O_APPEND (or a pipe).
    static func write(_ fd: Int32, _ bytes: [UInt8], what: @autoclosure () -> String) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + done, bytes.count - done)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write \(what())")
            }
            // 0: nothing can be written there any more (a /proc/PID/mem whose process exec'd or
            // exited: its old memory is gone); retrying would spin forever.
            if result == 0 { throw SystemError(operation: "write \(what()): wrote nothing", code: EIO) }
            done += result
        }
    }

    /// Reads a whole (small or /proc) file.
    static func readFile(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = try open(path, flags: O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let result = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
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
    static func fileStatus(_ path: String) throws(SystemError) -> (uid: uid_t, gid: gid_t, mode: mode_t) {
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
    static func setOwnerAndMode(_ fd: Int32, uid: uid_t, gid: gid_t, mode: mode_t, path: String)
        throws(SystemError)
    {
        if fchown(fd, uid, gid) != 0 { throw failure("chown \(path)") }
        if fchmod(fd, mode) != 0 { throw failure("chmod \(path)") }
    }

    /// Flushes a file to disk.
    static func sync(_ fd: Int32, path: String) throws(SystemError) {
        if fsync(fd) != 0 { throw failure("fsync \(path)") }
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
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, part) in parts.enumerated() {
            prefix += "/" + part
            let wanted: mode_t = index == parts.count - 1 ? mode : 0o755
            if mkdir(prefix, wanted) != 0 && errno != EEXIST { throw failure("mkdir \(prefix)") }
        }
    }

    /// Takes an exclusive advisory lock, waiting for other agents to release theirs.
    static func lockExclusive(_ fd: Int32, path: String) throws(SystemError) {
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            throw failure("flock \(path)")
        }
    }

    // MARK: process

    /// The effective user id of the agent.
    static var effectiveUser: UInt32 { geteuid() }

    /// The host name, for reports.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, 255) == 0 else { return "localhost" }
        return String(
            decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Monotonic time in nanoseconds (never jumps with the wall clock).
    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Wall-clock time as seconds and nanoseconds since the epoch, for the journal.
    static func wallClock() -> (seconds: Int64, nanoseconds: Int64) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int64(spec.tv_sec), Int64(spec.tv_nsec))
    }

    /// Sleeps, resuming after signals until the full time has passed.
    static func sleep(nanoseconds: UInt64) {
        var request = timespec(
            tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Clock ticks per second, the unit of `/proc/PID/stat` start times.
    static var clockTicksPerSecond: Int { sysconf(Int32(_SC_CLK_TCK)) }

    /// Writes text to standard output or standard error.
    static func print(_ text: String, toError: Bool = false) {
        try? write(toError ? 2 : 1, Array(text.utf8), what: toError ? "stderr" : "stdout")
    }

    /// Ends the agent with a status.
    static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

    static func failure(_ operation: String) -> SystemError {
        SystemError(operation: operation, code: errno)
    }

    // MARK: guardian and failpoints (Sources/Agent/Guard)

    /// The value of an environment variable, or nil.
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// The agent's own pid.
    static var processID: Pid { Pid(getpid()) }

    /// Sends a signal to a whole process (`kill`).
    static func signalProcess(_ pid: Pid, _ signal: Int32) throws(SystemError) {
        if kill(pid.rawValue, signal) != 0 { throw failure("kill(\(signal)) pid \(pid)") }
    }

    /// A pipe: (read end, write end); the write end is close-on-exec, so a spawned reader
    /// never holds it (its end of file must mean the writer is gone).
    static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        if pipe(&ends) != 0 { throw failure("pipe") }
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (ends[0], ends[1])
    }

    /// Forks the agent (for the guardian): the child's pid in the parent, nil in the child.
    static func fork() throws(SystemError) -> Pid? {
        let pid = Glibc.fork()
        if pid < 0 { throw failure("fork") }
        return pid == 0 ? nil : Pid(pid)
    }

    /// In the guardian: a new session, stdin/stdout/stderr on /dev/null, every other
    /// descriptor closed but `keep`, so no caller waiting for the agent's output or its lock waits
    /// for the child too.
    static func detachFromCaller(keeping keep: Int32) {
        _ = setsid()
        let null = Glibc.open("/dev/null", O_RDWR)
        if null >= 0 { for fd in Int32(0)...2 where fd != keep { _ = dup2(null, fd) } }
        for fd in Int32(3)..<1024 where fd != keep { _ = Glibc.close(fd) }
    }

    /// Reads up to `count` bytes; an empty result is end of file.
    static func read(_ fd: Int32, count: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
            if got >= 0 { return Array(buffer.prefix(got)) }
            if errno == EINTR { continue }
            throw failure("read fd \(fd)")
        }
    }

}

/// A decoded `waitpid` status.
enum WaitStatus: Equatable {
    /// The thread exited (for the thread group leader: the process).
    case exited(code: Int32)
    /// A signal killed it.
    case killed(signal: Int32)
    /// A ptrace stop: `event` is the PTRACE_EVENT_* number (0 for a signal-delivery stop).
    case stopped(signal: Int32, event: Int32)
}
