import Shared

/// Writes or restores a patch's entries inside a stop: all of them or none.
struct EntryWriter {
    /// The command's failpoints (`between-writes`).
    let failpoints: Failpoints

    /// Checks that every entry still holds what it held when planned, then writes the patched
    /// (or, with `patched: false`, the original) bytes. Restores what it wrote if a write fails.
    func write(_ entries: [PatchMemoryHeader.Entry], memory: RemoteMemory, patched: Bool)
        throws(AgentFailure)
    {
        for entry in entries {
            let expected = patched ? entry.original : entry.patched
            let current = try memory.read(entry.address, count: expected.count)
            guard current == expected else {
                throw AgentFailure(
                    .targetMismatch,
                    "\(memory.process): bytes at \(entry.address) (\(entry.symbol)) changed to "
                        + "\(HexDigits.encode(current)) while the agent worked (expected \(HexDigits.encode(expected))); "
                        + "another tool is patching this process; nothing was written")
            }
        }
        var written: [PatchMemoryHeader.Entry] = []
        for entry in entries {
            if !written.isEmpty { failpoints.reached(.betweenWrites) }
            do {
                try memory.write(patched ? entry.patched : entry.original, at: entry.address)
                written.append(entry)
            } catch {
                for done in written.reversed() {
                    try? memory.write(patched ? done.original : done.patched, at: done.address)
                }
                throw error
            }
        }
    }

    /// Puts the original bytes back (the undo of ``write`` with `patched: true`).
    static func restore(_ entries: [PatchMemoryHeader.Entry], memory: RemoteMemory) {
        for entry in entries.reversed() { try? memory.write(entry.original, at: entry.address) }
    }

    /// Puts the patched bytes back (the undo of ``write`` with `patched: false`).
    static func reapply(_ entries: [PatchMemoryHeader.Entry], memory: RemoteMemory) {
        for entry in entries.reversed() { try? memory.write(entry.patched, at: entry.address) }
    }
}
