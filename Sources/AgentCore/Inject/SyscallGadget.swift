import Shared

/// The address of a `syscall` instruction (bytes 0f 05) in executable memory of the target, where
/// a hijacked thread is sent to run one system call for the agent. Any occurrence of the two
/// bytes will do, even inside a longer instruction: the thread executes exactly one instruction
/// from there and stops.
enum SyscallGadget {
    /// Finds one, preferring libc's code, then the vDSO, then any executable mapping.
    static func find(in process: TargetProcess, memory: RemoteMemory) throws(AgentFailure) -> RemoteAddress {
        let executable = try process.mappings().filter { $0.isExecutable && $0.isReadable }
        let ranked =
            executable.filter { isLibc($0.path) }
            + executable.filter { $0.path == "[vdso]" } + executable
        for mapping in ranked {
            if let found = try scan(mapping, memory: memory) { return found }
        }
        throw AgentFailure(
            .failed,
            "\(process): no `syscall` instruction found in its executable memory; the agent cannot inject calls"
        )
    }

    /// True for glibc's `libc.so.6` (or `libc-2.x.so`). Compares the last path component by
    /// prefix: `String.contains(String)` would link the regex engine into the agent (+1.5 MB).
    private static func isLibc(_ path: String?) -> Bool {
        guard let name = path?.split(separator: "/").last else { return false }
        return name.hasPrefix("libc.so") || name.hasPrefix("libc-")
    }

    private static func scan(_ mapping: MemoryMapping, memory: RemoteMemory) throws(AgentFailure)
        -> RemoteAddress?
    {
        let chunk: UInt64 = 64 * 1024
        var at = mapping.start.rawValue
        while at < mapping.end.rawValue {
            let count = Int(min(chunk + 1, mapping.end.rawValue - at))
            let bytes = (try? memory.readUpTo(RemoteAddress(at), count: count)) ?? []
            if bytes.count >= 2 {
                for index in 0..<(bytes.count - 1) where bytes[index] == 0x0f && bytes[index + 1] == 0x05 {
                    return RemoteAddress(at + UInt64(index))
                }
            }
            at += chunk
        }
        return nil
    }
}
