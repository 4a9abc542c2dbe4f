import Shared

/// Finds every patch in a process by reading the start of each anonymous mapping for the
/// patch memory magic: the process itself is the record, so this works for forked children
/// and without any journal.
enum PatchMemoryScanner {
    /// The patches in place, oldest first (following each header's `previous` link).
    static func scan(_ process: TargetProcess, memory: RemoteMemory, mappings: [MemoryMapping])
        throws(AgentFailure)
        -> [PatchInMemory]
    {
        var found: [RemoteAddress: PatchInMemory] = [:]
        for mapping in mappings
        where mapping.isAnonymous && mapping.isReadable && !mapping.permissions.hasPrefix("rw") {
            guard let magic = try? memory.read(mapping.start, count: 8), magic == PatchMemoryHeader.magic
            else { continue }
            guard let header = try PatchMemoryHeader.read(at: mapping.start, memory: memory) else { continue }
            var current: [[UInt8]] = []
            for entry in header.entries {
                current.append((try? memory.read(entry.address, count: entry.original.count)) ?? [])
            }
            found[mapping.start] = PatchInMemory(address: mapping.start, header: header, current: current)
        }
        return seeThroughStacking(order(found))
    }

    /// A later patch that overwrote this one's entry recorded this one's bytes as its original:
    /// judge the older entry by that record, not by the newer jump now in memory.
    private static func seeThroughStacking(_ ordered: [PatchInMemory]) -> [PatchInMemory] {
        var result = ordered
        for older in result.indices {
            for (index, entry) in result[older].header.entries.enumerated() {
                let later = result[(older + 1)...].lazy.compactMap { patch in
                    patch.header.entries.first {
                        $0.address == entry.address && $0.original.count == entry.patched.count
                    }
                }.first
                if let later { result[older].current[index] = later.original }
            }
        }
        return result
    }

    /// Oldest first: the newest is the one no other names as previous; walk back from it.
    private static func order(_ found: [RemoteAddress: PatchInMemory]) -> [PatchInMemory] {
        let named = Set(found.values.map(\.header.previous))
        var ordered: [PatchInMemory] = []
        var seen: Set<RemoteAddress> = []
        for head in found.values.filter({ !named.contains($0.address) }).sorted(by: {
            $0.address < $1.address
        }) {
            var chain: [PatchInMemory] = []
            var cursor: PatchInMemory? = head
            while let patch = cursor, !seen.contains(patch.address) {
                seen.insert(patch.address)
                chain.append(patch)
                cursor = found[patch.header.previous]
            }
            ordered += chain.reversed()
        }
        // Anything left is on a cycle (a damaged header): list it anyway, by address.
        ordered += found.values.filter { !seen.contains($0.address) }.sorted { $0.address < $1.address }
        return ordered
    }
}
