import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// Reading another process's memory in one call per run of ranges (`process_vm_readv`).
extension Syscalls {
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
}
