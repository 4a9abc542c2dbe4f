import Shared

extension PatchInMemory {
    /// Every entry holds either its original or its patched bytes, and both kinds occur: a commit
    /// cut between two writes (not someone else's bytes, which is drift).
    var isTorn: Bool {
        let states = header.entries.indices.map(state(ofEntry:))
        return states.contains(.active) && states.contains(.inactive) && !states.contains(.drifted)
    }
}
