import Shared

/// One thread the agent holds in a ptrace stop.
struct StoppedThread {
    /// The thread.
    let tid: Tid
    /// Its registers at the stop (restored exactly when it resumes).
    var registers: Registers
    /// A signal that arrived while stopping it; delivered again when it resumes.
    var pendingSignal: Int32
    /// True when it stopped for the agent's PTRACE_INTERRUPT (not for a signal of its own).
    var stoppedByInterrupt: Bool
}
