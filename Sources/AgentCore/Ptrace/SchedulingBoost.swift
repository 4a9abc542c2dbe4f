import Shared

/// The agent's thread at a raised priority while it holds a target's threads, and back to normal
/// after: the lowest real-time priority (`SCHED_FIFO` 1) for a commit, and for the stop of one
/// borrowed thread either that or nice -20 (``forOneThread()``).
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
    /// How the agent is raised.
    enum Kind {
        /// `SCHED_FIFO` 1: for a commit, where the agent must let every thread go before any it
        /// has let go runs.
        case realtime
        /// Nice -20 in the normal class: for an injected call, where the agent mostly sleeps
        /// while the one borrowed thread runs.
        case nice
    }

    /// The boost for a stop of one borrowed thread: real time when the machine has more threads
    /// ready to run than processors, nice -20 otherwise. Measured on 2 cores (bench/RESULTS.md,
    /// injected holds, median): with the processors idle, real time held the thread 270-340 µs
    /// and nice 90-150 µs (16 and 64 threads too); with 512 busy threads, real time 250 µs and nice
    /// 1.2-2.5 ms, where the agent at nice -20 still waits its turn to take the thread back.
    static func forOneThread() -> Kind {
        guard let runnable = Syscalls.runnableThreads() else { return .realtime }
        return runnable >= Syscalls.onlineProcessors ? .realtime : .nice
    }

    /// True while raised.
    private(set) var isRaised = false
    /// True once it has been raised (for the pause trace).
    private(set) var wasRaised = false
    private var kind = Kind.realtime
    private var ownNice: Int32 = 0

    /// `rt`, `nice` or `none`: how it was raised, for the pause trace.
    var traceName: String {
        guard wasRaised else { return "none" }
        return kind == .realtime ? "rt" : "nice"
    }

    /// Raises the priority, when allowed and not raised already.
    mutating func raise(_ kind: Kind = .realtime) {
        guard !isRaised, Syscalls.environment("HOTPATCH_NO_BOOST") == nil else { return }
        self.kind = kind
        switch kind {
        case .realtime:
            isRaised = Syscalls.raiseToRealtime()
        case .nice:
            let me = Tid(Syscalls.processID.rawValue)
            guard let nice = Syscalls.niceValue(of: me), nice > -20 else { return }
            ownNice = nice
            isRaised = Syscalls.setNiceValue(-20, of: me)
        }
        wasRaised = wasRaised || isRaised
    }

    /// Back to the normal policy, if raised.
    mutating func lower() {
        guard isRaised else { return }
        switch kind {
        case .realtime: Syscalls.lowerFromRealtime()
        case .nice: Syscalls.setNiceValue(ownNice, of: Tid(Syscalls.processID.rawValue))
        }
        isRaised = false
    }
}
