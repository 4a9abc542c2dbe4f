/// The advisory lock that makes one process at a time the writer of a rollout journal.
///
/// `flock` rather than a lock file: the kernel drops the lock when the holder dies, even by
/// SIGKILL, so a crashed coordinator never leaves a stale lock that blocks its own `resume`.
enum JournalFileLock {
    /// What trying the lock found.
    enum Outcome: Equatable {
        /// This process holds the lock until the descriptor is closed (or the process ends).
        case acquired
        /// Another open file description holds it (another `hotpatch` is writing the journal).
        case heldByAnother
        /// flock itself failed, with errno's text.
        case failed(String)
    }

    /// Takes an exclusive lock on the open file `descriptor` without waiting.
    static func tryExclusive(_ descriptor: Int32) -> Outcome {
        FleetSyscalls.tryExclusiveLock(descriptor)
    }
}
