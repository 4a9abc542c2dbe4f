import Foundation
import SSH
import Shared

/// Starts, resumes and undoes rollouts: journal, sink, reporters, connector and engine wired
/// together, so each command's `run()` stays a few lines.
package enum RolloutLauncher {
    /// Starts a new rollout (or rollback run) as `start` says, journaled in `journalDirectory`.
    package static func start(_ start: RolloutStart, journalDirectory: String, json: Bool) throws -> RolloutResult {
        let id = RolloutID.generate()
        let journal = try RolloutJournal.create(rollout: id, directory: journalDirectory)
        let sink = EventSink(journal: journal, progress: RolloutProgress(), reporters: reporters(json: json))
        try sink.emit(.started(start))
        return try engine(start, sink: sink).run()
    }

    /// Continues rollout `id` from its journal: hosts whose apply was interrupted are asked
    /// first, finished hosts are left alone, and the waves go on from where they stopped.
    package static func resume(_ id: RolloutID, journalDirectory: String, json: Bool) throws -> RolloutResult {
        let (start, progress, sink) = try continueJournal(id, journalDirectory: journalDirectory, json: json)
        if progress.end == nil { try sink.emit(.resumed(RolloutResume(hostsInDoubt: progress.applyInDoubt))) }
        return try engine(start, sink: sink).run()
    }

    /// Undoes exactly what rollout `id` did: reverts every host it patched (or may have, if
    /// it was interrupted mid-apply), newest wave first. Returns `rolledBack` when every one
    /// is clean.
    package static func rollBack(_ id: RolloutID, journalDirectory: String, json: Bool) throws -> RolloutResult {
        let (start, _, sink) = try continueJournal(id, journalDirectory: journalDirectory, json: json)
        let engine = try engine(start, sink: sink)
        defer { engine.closeConnections() }
        let clean = try engine.revertEverythingPatched()
        let result: RolloutResult = clean ? .rolledBack : .haltedRollbackIncomplete
        try sink.emit(.finished(RolloutEnd(result: result, totals: sink.progress.totals)))
        return result
    }

    /// Replays rollout `id`'s journal, checks its patch file is still the one it rolled out, and
    /// reopens the journal for more events behind a sink whose reporters start from the replay.
    private static func continueJournal(_ id: RolloutID, journalDirectory: String, json: Bool) throws
        -> (start: RolloutStart, progress: RolloutProgress, sink: EventSink)
    {
        let (start, progress) = try replay(id, journalDirectory: journalDirectory)
        try checkPatchUnchanged(start)
        let journal = try RolloutJournal.reopen(
            rollout: id, directory: journalDirectory, lastSequence: progress.lastSequence)
        let sink = EventSink(
            journal: journal, progress: progress, reporters: reporters(json: json, seed: progress))
        return (start, progress, sink)
    }

    /// The reporters for this run: JSON Lines for programs, else the human view (which starts
    /// from `seed`, the replayed journal, when continuing a rollout).
    static func reporters(json: Bool, seed: RolloutProgress = RolloutProgress()) -> [any RolloutReporter] {
        let output = TextOutput.standardOutput
        return json ? [JSONLinesReporter(output: output)] : [HumanReporter(output: output, progress: seed)]
    }

    private static func engine(_ start: RolloutStart, sink: EventSink) throws -> RolloutEngine {
        let budget = FailureBudget(limit: start.settings.maxFailed, unreachableFails: start.settings.unreachableFails)
        let context = RolloutContext(
            connector: SSHHostConnector(settings: start.settings), start: start, budget: budget)
        return RolloutEngine(context: context, sink: sink)
    }

    private static func replay(_ id: RolloutID, journalDirectory: String) throws -> (
        RolloutStart, RolloutProgress
    ) {
        let path = RolloutJournal.path(for: id, in: journalDirectory)
        let progress = RolloutProgress(replaying: try RolloutJournal.read(path: path))
        guard let start = progress.start else { throw RolloutJournalError.noPlan(path: path) }
        return (start, progress)
    }

    /// A resumed rollout must push the same patch it started with, byte for byte.
    private static func checkPatchUnchanged(_ start: RolloutStart) throws {
        let now = try FleetSelection.patch(at: start.patch.path)
        guard now.sha256 == start.patch.sha256 else {
            throw RolloutSetupError(
                "\(start.patch.path) changed since the rollout started (sha256 \(start.patch.sha256.prefix(12)) -> "
                    + "\(now.sha256.prefix(12))); put the original back, or start a new rollout")
        }
        if let fixed = start.fixedBuild, let data = FileManager.default.contents(atPath: fixed.path),
            SHA256.hash(Array(data)).hex != fixed.sha256
        {
            throw RolloutSetupError(
                "--persist \(fixed.path) changed since the rollout started; put the original back, or start a new rollout"
            )
        }
    }
}

extension TextOutput {
    /// The process's stdout, unbuffered so progress shows as it happens.
    static var standardOutput: TextOutput {
        TextOutput(
            write: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
            isTerminal: Terminal.isTerminal(FileHandle.standardOutput))
    }
}
