/// Counts of host outcomes, for one wave or a whole rollout; the failure budget reads it.
package struct FailureTally: Sendable, Hashable {
    /// What happened on one host, as far as the budget cares.
    package enum Outcome: Sendable, Hashable {
        /// Patched, already patched, or nothing to patch; checks passed.
        case succeeded
        /// Reached, but applying or a check failed.
        case failed
        /// Could not be reached (connect, auth or lost connection).
        case unreachable
    }

    /// Hosts that succeeded.
    package private(set) var succeeded = 0
    /// Hosts that failed.
    package private(set) var failed = 0
    /// Hosts that could not be reached.
    package private(set) var unreachable = 0

    /// An empty tally.
    package init() {}

    /// A tally with these counts.
    package init(succeeded: Int = 0, failed: Int = 0, unreachable: Int = 0) {
        self.succeeded = succeeded
        self.failed = failed
        self.unreachable = unreachable
    }

    /// Hosts counted so far.
    package var total: Int { succeeded + failed + unreachable }

    /// Counts one host's outcome.
    package mutating func record(_ outcome: Outcome) {
        switch outcome {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .unreachable: unreachable += 1
        }
    }

    /// Adds a wave's tally to the rollout's.
    package mutating func add(_ other: FailureTally) {
        succeeded += other.succeeded
        failed += other.failed
        unreachable += other.unreachable
    }
}
