import Shared

/// The stopped threads as the safe-point check sees them: instruction pointer, stack pointer
/// and every word of the live stack (stack pointer to the end of its mapping).
///
/// This runs inside the pause, once per stop, so it is built for that: the stack mappings are
/// found by binary search, and all stacks are read with one `process_vm_readv` into one buffer
/// (one system call per 1024 threads instead of one `/proc/PID/mem` read each). Nothing is
/// skipped: every thread's whole live stack is read, as the safe-point rule requires.
enum ThreadStacks {
    /// The longest live stack read for one thread; a deeper one is cut here (8 MiB, the usual
    /// stack limit).
    static let maximumStackBytes: UInt64 = 8 << 20

    /// One view per stopped thread, in tid order. `mappings` is read again when a stack pointer
    /// lies in no known mapping (a thread created since they were read has a new stack).
    static func views(of stopped: StoppedProcess, memory: RemoteMemory, mappings: inout [MemoryMapping])
        throws(AgentFailure) -> [SafePoint.ThreadView]
    {
        // Only what the check needs of each thread, sorted by tid: not whole thread records (their
        // registers) copied into a new array inside the pause.
        var threads: [(tid: Tid, rip: UInt64, rsp: UInt64)] = []
        threads.reserveCapacity(stopped.threads.count)
        for (tid, thread) in stopped.threads { threads.append((tid, thread.registers.rip, thread.registers.rsp)) }
        threads.sort { $0.tid < $1.tid }
        // Where each live stack is: the stack pointer up to the end of the mapping holding it.
        var ranges: [(address: UInt64, count: Int)] = []
        ranges.reserveCapacity(threads.count)
        for thread in threads {
            let rsp = thread.rsp
            var stack = index(containing: rsp, in: mappings)
            if stack == nil {
                mappings = try stopped.process.mappings()
                stack = index(containing: rsp, in: mappings)
            }
            // Whole words only, so every thread's words start 8-aligned in the shared buffer.
            let bytes = stack.map { min(mappings[$0].end.rawValue - rsp, maximumStackBytes) / 8 * 8 } ?? 0
            ranges.append((rsp, Int(bytes)))
        }
        var words = stopped.takeStackScratch(words: max(1, ranges.reduce(0) { $0 + $1.count } / 8))
        let counts = try read(ranges, into: &words, stopped: stopped, memory: memory)
        var views: [SafePoint.ThreadView] = []
        views.reserveCapacity(threads.count)
        var first = 0
        for (index, thread) in threads.enumerated() {
            views.append(
                SafePoint.ThreadView(
                    tid: thread.tid, instructionPointer: thread.rip, stackPointer: thread.rsp,
                    stackWords: words[first..<first + counts[index]]))
            first += ranges[index].count / 8
        }
        return views
    }

    /// Fills `words` with the ranges back to back; returns how many words each range gave (fewer
    /// than asked where its mapping turned out shorter).
    private static func read(
        _ ranges: [(address: UInt64, count: Int)], into words: inout [UInt64], stopped: StoppedProcess,
        memory: RemoteMemory
    ) throws(AgentFailure) -> [Int] {
        let pid = stopped.process.pid
        // One call for all; if it stops short (or the kernel refuses it), the ranges it did not
        // finish are read one by one through /proc/PID/mem, which reports a short mapping as such.
        let arrived = words.withUnsafeMutableBytes { buffer in
            (try? Syscalls.readMemory(of: pid, ranges: ranges, into: buffer)) ?? 0
        }
        var counts: [Int] = []
        counts.reserveCapacity(ranges.count)
        var offset = 0
        for range in ranges {
            if offset + range.count <= arrived {
                counts.append(range.count / 8)
            } else {
                let bytes = try memory.readUpTo(RemoteAddress(range.address), count: range.count)
                let whole = bytes.count / 8
                words.withUnsafeMutableBytes { buffer in
                    buffer.baseAddress!.advanced(by: offset).copyMemory(from: bytes, byteCount: whole * 8)
                }
                counts.append(whole)
            }
            offset += range.count
        }
        return counts
    }

    /// The mapping holding `address`, by binary search (`/proc/PID/maps` lists them in address order).
    static func mapping(containing address: UInt64, in mappings: [MemoryMapping]) -> MemoryMapping? {
        guard let index = index(containing: address, in: mappings) else { return nil }
        return mappings[index]
    }

    /// The index of the mapping holding `address`, searched through a buffer pointer so that no
    /// step copies a mapping (and retains and releases its strings) inside the pause.
    static func index(containing address: UInt64, in mappings: [MemoryMapping]) -> Int? {
        mappings.withUnsafeBufferPointer { buffer -> Int? in
            var low = 0
            var high = buffer.count
            while low < high {
                let middle = (low + high) / 2
                if buffer[middle].end.rawValue <= address {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            guard low < buffer.count, buffer[low].start.rawValue <= address else { return nil }
            return low
        }
    }
}
