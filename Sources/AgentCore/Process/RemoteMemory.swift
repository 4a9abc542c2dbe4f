import Shared

/// Reads and writes a target's memory through `/proc/PID/mem`. Writes go through the kernel's
/// forced access (as a debugger's do), so read-only code pages can be patched without first
/// making them writable; private file mappings get their copy-on-write page as usual.
final class RemoteMemory {
    /// The process whose memory this is.
    let process: TargetProcess
    private let fd: FileDescriptor

    /// Opens the process's memory for reading and writing.
    init(_ process: TargetProcess) throws(AgentFailure) {
        self.process = process
        do {
            fd = try Syscalls.open("/proc/\(process.pid)/mem", flags: .readWrite)
        } catch {
            throw process.exitedOrUnreadable(error, reading: "/proc/\(process.pid)/mem")
        }
        // The descriptor pins the process it was opened on; make sure that is still the process
        // that was selected (same start time), not a newcomer that got its pid.
        guard process.isAlive else {
            fd.close()
            throw AgentFailure(
                .processExited,
                "\(process) exited (its pid now belongs to another process or none); nothing was done")
        }
    }

    deinit { fd.close() }

    /// Reads exactly `count` bytes at `address`.
    func read(_ address: RemoteAddress, count: Int) throws(AgentFailure) -> [UInt8] {
        let bytes = try readUpTo(address, count: count)
        guard bytes.count == count else {
            // A process killed meanwhile reads as end of file once its memory is gone.
            if !process.isAlive { throw process.exitedFailure }
            throw AgentFailure(
                .failed, "\(process): only \(bytes.count) of \(count) bytes readable at \(address)")
        }
        return bytes
    }

    /// Reads up to `count` bytes at `address` (fewer where the mapping ends).
    func readUpTo(_ address: RemoteAddress, count: Int) throws(AgentFailure) -> [UInt8] {
        do {
            return try Syscalls.pread(
                fd, count: count, offset: address.rawValue, what: "\(process) memory at \(address)")
        } catch {
            throw process.exitedOrUnreadable(error, reading: "memory at \(address)")
        }
    }

    /// Writes all bytes at `address`.
    func write(_ bytes: [UInt8], at address: RemoteAddress) throws(AgentFailure) {
        do {
            try Syscalls.pwrite(fd, bytes, offset: address.rawValue, what: "\(process) memory at \(address)")
        } catch {
            throw process.exitedOrUnreadable(error, reading: "memory at \(address) (writing)")
        }
    }

    /// Reads a little-endian 64-bit word.
    func readWord(_ address: RemoteAddress) throws(AgentFailure) -> UInt64 {
        var word = ByteCursor(try read(address, count: 8))
        return word.u64() ?? 0  // read returns the 8 bytes or throws
    }
}
