import Foundation

/// The one door every rollout event goes through, from any worker thread: the event is
/// written to the journal and fsync'd, folded into the rollout's progress, then handed to
/// the reporters, in journal order, and `emit` returns only once its event is on disk.
///
/// Group commit: an fsync costs ~2 ms on this machine's disk and 100 hosts emit several events
/// each, so one fsync per event under one lock serialized every worker behind the disk. Here a
/// worker writes its line under the lock, then either runs the fsync itself (outside the lock,
/// covering every line written so far) or waits for the one in progress, and the thread that
/// synced folds and reports the records it covered, in order. The guarantee is unchanged: no
/// step runs unless the journal already holds its line on disk, and nothing is reported
/// before it is durable.
final class EventSink: @unchecked Sendable {
    private struct State {
        let journal: RolloutJournal
        var progress: RolloutProgress
        let reporters: [any RolloutReporter]
        /// The first journal failure: after it, nothing more may happen.
        var failure: RolloutJournalError?
        /// Written records not yet known to be on disk, in journal order.
        var pending: [RolloutRecord] = []
        /// The last sequence number known to be on disk.
        var durable = 0
        /// Whether a thread is running an fsync (outside the lock) right now.
        var syncing = false
    }

    /// Guards `state`; waited on for the fsync in progress.
    private let condition = NSCondition()
    private var state: State
    /// The rollout this sink records.
    let rollout: RolloutID

    /// A sink over `journal`, starting from `progress` (empty for a new rollout, the replayed
    /// journal for a resumed one).
    init(journal: sending RolloutJournal, progress: RolloutProgress, reporters: sending [any RolloutReporter])
    {
        rollout = journal.rollout
        state = State(
            journal: journal, progress: progress, reporters: reporters, durable: journal.lastSequence)
    }

    /// Records `event` durably, then reports it. When the journal cannot be written the
    /// rollout must not take another step, so this throws and the caller stops.
    func emit(_ event: RolloutEvent) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure = state.failure { throw failure }
        let record: RolloutRecord
        do {
            record = try state.journal.write(event)
        } catch {
            throw fail(error)
        }
        state.pending.append(record)
        while state.durable < record.sequence {
            if let failure = state.failure { throw failure }
            if state.syncing {
                condition.wait()
                continue
            }
            try syncWritten()
        }
    }

    /// One fsync covering every record written so far, run outside the lock (held on entry and
    /// on return); then those records are folded and reported in order and the waiters woken.
    private func syncWritten() throws {
        state.syncing = true
        let target = state.journal.lastSequence
        let journal = state.journal
        condition.unlock()
        let outcome = Result { try journal.synchronize() }
        condition.lock()
        state.syncing = false
        defer { condition.broadcast() }
        if case .failure(let error) = outcome { throw fail(error) }
        state.durable = target
        let covered = state.pending.prefix { $0.sequence <= target }
        for record in covered {
            state.progress.apply(record)
            for reporter in state.reporters { reporter.report(record) }
        }
        state.pending.removeFirst(covered.count)
    }

    /// Remembers the first journal failure (every later `emit` throws it) and returns it.
    private func fail(_ error: any Error) -> RolloutJournalError {
        let failure =
            state.failure ?? error as? RolloutJournalError
            ?? .unwritable(directory: state.journal.path, reason: "\(error)")
        state.failure = failure
        return failure
    }

    /// Throws the journal failure a worker thread met, so the engine stops after the pool.
    func throwIfBroken() throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure = state.failure { throw failure }
    }

    /// A snapshot of the progress so far.
    var progress: RolloutProgress {
        condition.lock()
        defer { condition.unlock() }
        return state.progress
    }
}
