/// Every stop the agent puts a target's threads through, with how long it held them: the
/// injected `mmap`, the injected calls (unwind registration), the committing stop (run to return
/// included) and the injected `munmap`. The report's pause is the longest of them, so a request
/// on a borrowed thread that waited for an injected call is counted like one that waited for the
/// commit (DESIGN.md step 4: "every stop a thread suffers counts toward the reported pause").
///
/// Part of the ``AgentSession``: stops are taken in five places three calls deep (placer, unwind
/// registration, safe-point switch, release), each ``StoppedProcess`` records its own, and
/// ``begin()`` at the start of each process's apply or revert scopes it.
final class HoldLedger {
    /// One stop: which step, how many threads it held, for how long.
    struct Hold: Equatable {
        /// The step's name, as the pause trace prints it (`mmap`, `call`, `commit`, `munmap`).
        let step: String
        /// Threads held.
        let threads: Int
        /// The longest any one thread was held, from being asked to stop to being let go (µs).
        let microseconds: UInt64
    }

    /// The stops recorded since ``begin()``, in order.
    private(set) var recorded: [Hold] = []

    /// Starts a new process's ledger.
    func begin() { recorded = [] }

    /// Records one stop (``StoppedProcess/resume()`` does, for every stop).
    func record(_ hold: Hold) { recorded.append(hold) }

    /// The longest hold since ``begin()`` (µs), at least `floor`: the report's pause.
    func longest(atLeast floor: UInt64) -> UInt64 {
        recorded.reduce(floor) { max($0, $1.microseconds) }
    }
}
