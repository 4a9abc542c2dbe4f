import Shared

/// Reads the patches in place in one process from its own memory.
enum ProcessInspector {
    /// The status report of a process.
    static func inspect(_ process: TargetProcess) throws(AgentFailure) -> ProcessReport {
        let memory = try RemoteMemory(process)
        // Loudly: a process the agent's net left stopped mid-commit is repaired, and said so.
        let repaired = TornCommitRepair.repairIfNeeded(process, memory: memory)
        let patches = try PatchMemoryScanner.scan(process, memory: memory, mappings: process.mappings())
        return ProcessReport(
            pid: process.pid, startTime: process.identity.startTime, executable: process.executable,
            outcome: .inspected,
            error: repaired.map { ProcessError(kind: .failed, message: "REPAIRED: " + $0) },
            patches: patches.map(\.report))
    }

    /// A report with `outcome`, listing the patches now in place (best effort: the process may be gone).
    static func report(_ process: TargetProcess, outcome: ProcessOutcome, memory: RemoteMemory)
        -> ProcessReport
    {
        let patches =
            (try? PatchMemoryScanner.scan(process, memory: memory, mappings: process.mappings())) ?? []
        return ProcessReport(
            pid: process.pid, startTime: process.identity.startTime, executable: process.executable,
            outcome: outcome,
            patches: patches.map(\.report))
    }
}
