import Glibc

/// The fleet library's one file that calls libc: whether a descriptor is a terminal (the live
/// progress line) and the journal's advisory lock. Thin and typed; policy lives in the callers.
enum FleetSyscalls {
    /// True when `descriptor` is a terminal (`isatty`).
    static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// `flock(descriptor, LOCK_EX | LOCK_NB)`.
    static func tryExclusiveLock(_ descriptor: Int32) -> JournalFileLock.Outcome {
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return .acquired }
        let error = errno
        if error == EWOULDBLOCK { return .heldByAnother }
        return .failed(String(cString: strerror(error)))
    }
}
