/// Every stop the agent puts a target's threads through, with how long it held them: the
/// injected `mmap`, the injected calls (unwind registration), the committing stop (run to return
/// included) and the injected `munmap`. The report's pause is the longest of them, so a request
/// on a borrowed thread that waited for an injected call is counted like one that waited for the
/// commit (DESIGN.md step 4: "every stop a thread suffers counts toward the reported pause").
///
/// A ledger rather than a value passed down: stops are taken in five places three calls deep
/// (placer, unwind registration, safe-point switch, release), and the agent is single-threaded and
/// works on one process at a time, so ``begin(_:)`` at the start of each process's apply or
/// revert scopes it.
enum HoldLedger {
    /// One stop: which step, how many threads it held, for how long.
    struct Hold: Equatable {
        /// The step's name, as the pause trace prints it (`mmap`, `call`, `commit`, `munmap`).
        let step: String
        /// Threads held.
        let threads: Int
        /// The longest any one thread was held, from being asked to stop to being let go (µs).
        let microseconds: UInt64
    }

    /// The agent is single-threaded: only its one thread touches this.
    nonisolated(unsafe) private static var holds: [Hold] = []

    /// Starts a new process's ledger.
    static func begin() { holds = [] }

    /// Records one stop (``StoppedProcess/resume()`` does, for every stop).
    static func record(_ hold: Hold) { holds.append(hold) }

    /// The stops recorded since ``begin()``, in order.
    static var recorded: [Hold] { holds }

    /// The longest hold since ``begin()`` (µs), at least `floor`: the report's pause.
    static func longest(atLeast floor: UInt64) -> UInt64 {
        holds.reduce(floor) { max($0, $1.microseconds) }
    }
}
