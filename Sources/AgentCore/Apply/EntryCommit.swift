import Shared

/// The commit of apply and revert: a patch's entries written (apply) or put back (revert) in one
/// stop at a safe point, with the guardian told what is written, and undone in that same stop
/// when the pause would run over its budget.
struct EntryCommit {
    /// The process.
    let process: TargetProcess
    /// Its memory.
    let memory: RemoteMemory
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession
    /// Timeout and pause budget.
    let limits: SafePointSwitch.Limits

    /// Writes `entries` (their patched bytes, or with `patched: false` their originals) once no
    /// thread is in `guards`, after checking that the patch memory at `patchMemory` is still
    /// there; `patchID` names the patch in messages. The pause is the commit's stop's.
    func run(
        _ entries: [PatchMemoryHeader.Entry], patched: Bool, patchID: String, guards: [SafePoint.Guard],
        patchMemory: RemoteAddress
    ) throws(AgentFailure) -> SafePointSwitch.Result {
        let what = patched ? "apply" : "revert"
        let writer = EntryWriter(failpoints: session.failpoints)
        var switcher = SafePointSwitch(
            process: process, memory: memory, session: session, guards: guards, limits: limits)
        switcher.intent = GuardIntent.commit(entries, of: process, patched: patched, what: what)
        let result = try switcher.run(
            verb: "\(what) \(patchID)",
            commit: { (_) throws(AgentFailure) in
                try PatchMemoryRelease.checkStillMapped(patchMemory, memory: memory, verb: what)
                try writer.write(entries, memory: memory, patched: patched)
            },
            undo: { _ in
                if patched {
                    EntryWriter.restore(entries, memory: memory)
                } else {
                    EntryWriter.reapply(entries, memory: memory)
                }
            })
        session.failpoints.reached(.afterDetach)
        return result
    }
}
