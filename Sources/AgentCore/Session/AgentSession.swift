import Shared

/// Everything process-wide about one agent command, made once by the command and passed down
/// explicitly (no lazy singletons, no mutable statics): where state lives, the test failpoints,
/// the stops of the process being worked on, and the guardian.
///
/// The agent is single-threaded and works on one process at a time: the command makes one
/// session, and ``begin(_:)`` starts each process's apply or revert.
package final class AgentSession {
    /// Where the journal, the persist records and the guardian's journal live.
    package let stateDirectory: String
    /// `HOTPATCH_AGENT_FAILPOINT`, read once when the session is made.
    let failpoints: Failpoints
    /// Every stop of the process being worked on (the report's pause is the longest).
    let holds = HoldLedger()
    /// The guardian, once ``begin(_:)`` started it; nil before, when it could not be started, or
    /// with `HOTPATCH_AGENT_GUARDIAN=off` (the agent then works without a net).
    private(set) var guardian: Guardian?
    /// True once starting the guardian was tried: it is started at most once per command.
    private var guardianTried = false

    /// A session keeping its state in `stateDirectory`, with the failpoint the environment names.
    package init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
        failpoints = Failpoints(setting: Syscalls.environment("HOTPATCH_AGENT_FAILPOINT"))
    }

    /// Starts an apply or revert of `process`: failpoint names are `<pipeline>.<step>`, the
    /// pause counts this process's stops only, the guardian is up long before the first window,
    /// and a commit torn by an agent and guardian that both died is put back first. Returns the
    /// process's memory.
    func begin(_ pipeline: Failpoints.Pipeline, in process: TargetProcess) throws(AgentFailure) -> RemoteMemory {
        failpoints.pipeline = pipeline
        holds.begin()
        startGuardian()
        let memory = try RemoteMemory(process)
        _ = TornCommitRepair.repairIfNeeded(process, memory: memory)
        return memory
    }

    private func startGuardian() {
        guard !guardianTried else { return }
        guardianTried = true
        if Syscalls.environment("HOTPATCH_AGENT_GUARDIAN") == "off" { return }
        guardian = Guardian.start(stateDirectory: stateDirectory)
    }
}
