import Shared

/// A patch found in a process: its header, where it is, and what its entries hold now.
struct PatchInMemory {
    /// Where the patch memory starts.
    let address: RemoteAddress
    /// The header read from there.
    let header: PatchMemoryHeader
    /// Per entry: what the process holds at that address now, or, when a later patch overwrote
    /// the same bytes, what that later patch found there (a patch stacked on this one keeps it
    /// in force underneath).
    var current: [[UInt8]]

    /// The state of one entry.
    func state(ofEntry index: Int) -> PatchState {
        let entry = header.entries[index]
        if current[index] == entry.patched { return .active }
        if current[index] == entry.original { return .inactive }
        return .drifted
    }

    /// The state of the whole patch.
    var state: PatchState {
        let states = header.entries.indices.map(state(ofEntry:))
        if states.allSatisfy({ $0 == .active }) { return .active }
        if states.allSatisfy({ $0 == .inactive }) { return .inactive }
        return .drifted
    }

    /// The report entry.
    var report: PatchInProcess {
        PatchInProcess(
            id: header.patchID, contentHash: HexDigits.encode(header.contentHash), address: address,
            state: state,
            entries: header.entries.indices.map {
                PatchEntryStatus(
                    address: header.entries[$0].address, symbol: header.entries[$0].symbol,
                    state: state(ofEntry: $0))
            }, unwind: header.unwind?.state.summary)
    }
}
