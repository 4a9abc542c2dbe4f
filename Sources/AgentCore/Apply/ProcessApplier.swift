import Shared

/// Applies one patch to one process: the pipeline of DESIGN.md "Applying in a process".
///
/// verify the mapped module -> resolve symbols -> map and fill patch memory (threads running)
/// -> stop the world at a safe point -> write every entry in that one stop -> resume.
/// On any failure after the patch memory was mapped, it is unmapped again: the process is left
/// exactly as it was.
struct ProcessApplier {
    /// The process.
    let process: TargetProcess
    /// The patch.
    let patch: PatchFile
    /// Timeout and pause budget.
    let limits: SafePointSwitch.Limits
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession

    /// Applies the patch; the report says applied or already-applied, with the pause.
    func apply() throws(AgentFailure) -> ProcessReport {
        let memory = try session.begin(.apply, in: process)
        // Verify: the module with the patch's build-id, as mapped in this process.
        let mappings = try process.mappings()
        let modules = LoadedModule.all(in: process, mappings: mappings)
        let target = try MappedTargetModule.find(
            patch.targetBuildID, pathHint: patch.targetPathHint, in: modules, memory: memory)
        let existing = try PatchMemoryScanner.scan(process, memory: memory, mappings: mappings)
        if try isInForce(among: existing) { return report(.alreadyApplied, memory: memory) }
        let live = existing.filter { $0.header.patchID != patch.id.rawValue }
        // Plan: which bytes change, what the header records, where the mapping goes.
        var plan = try ProcessPatchPlan(patch: patch, target: target, process: process, memory: memory)
        let external = try SymbolResolver(process: process, modules: modules, targetBias: target.bias)
            .resolve(patch, memory: memory)
        let layout = PatchLayout(
            headerSize: plan.headerSize, sections: patch.kind == .relocatable ? patch.sections : [],
            slotSymbols: patch.kind == .relocatable ? PatchImage.slotSymbols(of: patch) : [])
        // Map: patch memory near the module, filled and protected while the threads run.
        let previous = live.last?.address ?? RemoteAddress(0)
        let placed = try PatchMemoryPlacer(process: process, memory: memory, session: session)
            .place(layout: layout, near: target.module, mappings: mappings) { (base) throws(AgentFailure) in
                try plan.finish(base: base, layout: layout, external: external, previous: previous)
            }
        // Register: the unwinder knows the patch's frames before any thread can enter them.
        _ = try UnwindRegistration(process: process, memory: memory, session: session).register(
            at: placed, size: layout.totalSize)
        // Switch: all entries in one stop at a safe point; on failure free the memory again.
        do {
            let guards = plan.applyGuards + live.filter { plan.overlaps($0) }.flatMap(\.guards)
            let result = try EntryCommit(process: process, memory: memory, session: session, limits: limits).run(
                plan.entries, patched: true, patchID: patch.id.rawValue, guards: guards, patchMemory: placed)
            var done = report(.applied, memory: memory)
            // Every stop counts toward the pause, not the commit's alone.
            done.pauseMicroseconds = session.holds.longest(atLeast: result.pauseMicroseconds)
            done.attempts = result.attempts
            return done
        } catch {
            // Deregistered first; memory whose registration is in doubt stays mapped.
            if (try? UnwindRegistration(process: process, memory: memory, session: session).deregister(at: placed)) != nil {
                try? PatchMemoryRelease(session: session).unmap(address: placed, size: layout.totalSize, in: process)
            }
            throw error
        }
    }

    /// Idempotence: true when this very patch is in force already; an interrupted apply's
    /// leftover memory is freed, and the same id with other contents is refused.
    private func isInForce(among existing: [PatchInMemory]) throws(AgentFailure) -> Bool {
        guard let same = existing.first(where: { $0.header.patchID == patch.id.rawValue }) else { return false }
        if same.state == .active && same.header.contentHash == patch.contentHash.bytes { return true }
        guard same.state == .inactive else {
            throw AgentFailure(
                .refused,
                "\(process): a patch with id \(patch.id) but different contents is in place at \(same.address) "
                    + "(\(same.state)); revert it first")
        }
        try PatchMemoryRelease(session: session).unmap(same, in: process)
        return false
    }

    private func report(_ outcome: ProcessOutcome, memory: RemoteMemory) -> ProcessReport {
        ProcessInspector.report(process, outcome: outcome, memory: memory)
    }
}
