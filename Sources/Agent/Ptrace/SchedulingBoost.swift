/// The agent's thread at the lowest real-time priority (`SCHED_FIFO` 1) while it holds a
/// target's threads, and back to normal after.
///
/// Why: the threads it lets go become runnable one by one. At normal priority each can preempt
/// the agent, and on a busy machine (or a target with hundreds of busy threads) the agent then
/// waits its turn behind them between two detaches while the threads not yet let go stay
/// stopped: 512-thread stops measured 0.13-1.8 s that way (half the applies refused by the 20 ms
/// budget) against a 22 ms median boosted, in one run at load 370. Boosted, it runs its bounded
/// work (interrupt, wait, read, write, detach) to the end first.
///
/// Only raised from the normal policy (an agent already run real-time is left alone), with
/// reset-on-fork so nothing it starts inherits it; without CAP_SYS_NICE, or with
/// HOTPATCH_NO_BOOST set, it is not raised and nothing else changes.
struct SchedulingBoost {
    /// True while raised.
    private(set) var isRaised = false
    /// True once it has been raised (for the pause trace).
    private(set) var wasRaised = false

    /// Raises the priority, when allowed and not raised already.
    mutating func raise() {
        guard !isRaised, Syscalls.environment("HOTPATCH_NO_BOOST") == nil else { return }
        isRaised = Syscalls.raiseToRealtime()
        wasRaised = wasRaised || isRaised
    }

    /// Back to the normal policy, if raised.
    mutating func lower() {
        guard isRaised else { return }
        Syscalls.lowerFromRealtime()
        isRaised = false
    }
}
