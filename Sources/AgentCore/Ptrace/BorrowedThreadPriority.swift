import Shared

/// The one thread the agent borrows for an injected call, at the highest nice value (-20) for as
/// long as it is held, and back to its own after.
///
/// Why: every step of an injected call (stop, the call, park) waits for that one thread to be
/// scheduled. On a target with 512 busy threads on 2 cores it waited its turn behind all of them:
/// injected `mmap`/`munmap` holds of 7-33 ms median, most of it in "stop" and in the call itself
/// (bench/RESULTS.md). The agent's own real-time boost does not help there: the agent is asleep
/// then, waiting for the thread. Nice, not real time: a thread left boosted (were both the agent
/// and its guardian killed) takes a larger share of the CPU, never all of it.
///
/// Raised only with a guardian running, which puts the value back if the agent dies
/// (``Guardian/loweringPriority(of:in:from:)``); without CAP_SYS_NICE, or with HOTPATCH_NO_BOOST
/// set, nothing changes.
struct BorrowedThreadPriority {
    /// The thread.
    let tid: Tid
    /// Its own nice value, put back by ``restore()``.
    let original: Int32
    /// The guardian that puts it back were the agent to die.
    let guardian: Guardian

    /// Raises `tid` of `process` to nice -20; nil when it was not raised.
    static func raise(_ tid: Tid, of process: TargetProcess, guardian: Guardian?) -> BorrowedThreadPriority? {
        guard Syscalls.environment("HOTPATCH_NO_BOOST") == nil, let guardian,
            let original = Syscalls.niceValue(of: tid), original > -20
        else { return nil }
        guardian.loweringPriority(of: tid, in: process.identity, from: original)
        guard Syscalls.setNiceValue(-20, of: tid) else {
            guardian.restoredPriority()
            return nil
        }
        return BorrowedThreadPriority(tid: tid, original: original, guardian: guardian)
    }

    /// Puts the thread's own nice value back.
    func restore() {
        Syscalls.setNiceValue(original, of: tid)
        guardian.restoredPriority()
    }
}
