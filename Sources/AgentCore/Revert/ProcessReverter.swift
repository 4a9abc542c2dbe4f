import Shared

/// Reverts one patch in one process: the apply pipeline in reverse, driven entirely by the
/// patch memory header in the process (so it needs no journal and no patch file).
///
/// find the patch in memory -> refuse if a later patch builds on it -> stop the world at a safe
/// point (no thread in the patch's code) -> restore every entry in that one stop -> resume ->
/// free the patch memory.
struct ProcessReverter {
    /// The process.
    let process: TargetProcess
    /// The patch id to revert.
    let patchID: String
    /// Timeout and pause budget.
    let limits: SafePointSwitch.Limits
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession

    /// Reverts; the report says reverted or not-applied.
    func revert() throws(AgentFailure) -> ProcessReport {
        let memory = try session.begin(.revert, in: process)
        let patches = try PatchMemoryScanner.scan(process, memory: memory, mappings: process.mappings())
        guard let index = patches.firstIndex(where: { $0.header.patchID == patchID }) else {
            return report(.notApplied, memory: memory)
        }
        let patch = patches[index]
        // Refuse: a later patch that overwrote some of the same bytes recorded OUR bytes as its
        // originals; restoring ours first would leave its jump pointing at freed memory.
        if let later = patches[(index + 1)...].first(where: { $0.overlaps(patch) }) {
            throw AgentFailure(
                .refused,
                "\(process): patch \(patchID) cannot be reverted: patch \(later.header.patchID) (applied later, at "
                    + "\(later.address)) builds on it; revert \(later.header.patchID) first")
        }
        switch patch.state {
        case .inactive:
            // An interrupted apply left memory but no entry: just free it.
            try PatchMemoryRelease(session: session).unmap(patch, in: process)
            return report(.reverted, memory: memory)
        case .drifted:
            throw AgentFailure(
                .refused,
                "\(process): patch \(patchID) has drifted (its entry bytes were overwritten by someone else: "
                    + patch.report.entries.filter { $0.state == .drifted }.map {
                        "\($0.address) \($0.symbol ?? "")"
                    }
                    .joined(separator: ", ")
                    + "); the agent will not overwrite them; restart the process to be sure")
        case .active:
            break
        }
        let result = try EntryCommit(process: process, memory: memory, session: session, limits: limits).run(
            patch.header.entries, patched: false, patchID: patchID, guards: patch.guards, patchMemory: patch.address)
        // No thread is in the patch's code (the safe point) and no entry leads there any more:
        // the unwinder forgets its frames, then its memory is freed.
        try PatchMemoryRelease(session: session).unmap(patch, in: process)
        session.failpoints.reached(.afterUnmap)
        var done = report(.reverted, memory: memory)
        // Every stop counts toward the pause (the munmap's too), not the commit's alone.
        done.pauseMicroseconds = session.holds.longest(atLeast: result.pauseMicroseconds)
        done.attempts = result.attempts
        return done
    }

    private func report(_ outcome: ProcessOutcome, memory: RemoteMemory) -> ProcessReport {
        ProcessInspector.report(process, outcome: outcome, memory: memory)
    }
}
