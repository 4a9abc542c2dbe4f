import Shared

extension PatchInMemory {
    /// True when two patches overwrote some of the same bytes.
    func overlaps(_ other: PatchInMemory) -> Bool {
        header.entries.contains { mine in
            other.header.entries.contains { theirs in
                mine.address.rawValue < theirs.address.rawValue + UInt64(theirs.original.count)
                    && theirs.address.rawValue < mine.address.rawValue + UInt64(mine.original.count)
            }
        }
    }
}
