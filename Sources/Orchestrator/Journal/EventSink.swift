import Foundation
import Synchronization

/// The one door every rollout event goes through, from any worker thread: the event is
/// written to the journal and fsync'd, folded into the rollout's progress, then handed to
/// the reporters, all under one lock so every reader sees the same order.
final class EventSink: Sendable {
    private struct State {
        let journal: RolloutJournal
        var progress: RolloutProgress
        let reporters: [any RolloutReporter]
        /// The first journal failure: after it, nothing more may happen.
        var failure: RolloutJournalError?
    }

    private let state: Mutex<State>
    /// The rollout this sink records.
    let rollout: RolloutID

    /// A sink over `journal`, starting from `progress` (empty for a new rollout, the replayed
    /// journal for a resumed one).
    init(journal: sending RolloutJournal, progress: RolloutProgress, reporters: sending [any RolloutReporter])
    {
        rollout = journal.rollout
        state = Mutex(State(journal: journal, progress: progress, reporters: reporters))
    }

    /// Records `event` durably, then reports it. When the journal cannot be written the
    /// rollout must not take another step, so this throws and the caller stops.
    func emit(_ event: RolloutEvent) throws {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            let record: RolloutRecord
            do {
                record = try state.journal.append(event)
            } catch {
                let failure =
                    error as? RolloutJournalError
                    ?? .unwritable(directory: state.journal.path, reason: "\(error)")
                state.failure = failure
                throw failure
            }
            state.progress.apply(record)
            for reporter in state.reporters { reporter.report(record) }
        }
    }

    /// Throws the journal failure a worker thread met, so the engine stops after the pool.
    func throwIfBroken() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// A snapshot of the progress so far.
    var progress: RolloutProgress {
        state.withLock { $0.progress }
    }
}
