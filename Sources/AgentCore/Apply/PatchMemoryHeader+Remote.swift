import Shared

extension PatchMemoryHeader {
    /// The header at `base` of a process's memory, read in two steps (its size, then all of it);
    /// nil when the size is implausible (over 1 MiB) or the bytes do not decode.
    static func read(at base: RemoteAddress, memory: RemoteMemory) throws(AgentFailure) -> PatchMemoryHeader? {
        var prefix = ByteCursor(try memory.read(base, count: 12))
        guard prefix.take(8) != nil, let size = prefix.u32(), size <= 1 << 20 else { return nil }
        return PatchMemoryHeader(decoding: try memory.read(base, count: Int(size)))
    }
}
