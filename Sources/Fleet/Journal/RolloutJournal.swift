import Foundation

/// The durable record of one rollout: `<directory>/<rollout id>.jsonl`, one ``RolloutRecord``
/// per line, each line written and fsync'd before `append` returns, so the step after it
/// never runs unless the journal already says it is about to. Not thread-safe on its own:
/// ``EventSink`` serializes appends.
///
/// One writer per journal: `create` and `reopen` take an exclusive `flock` on the file and
/// hold it while the journal is open, so a second `resume` (or a `rollback --rollout`) of a
/// rollout that another `hotpatch` is still driving refuses instead of racing it.
package final class RolloutJournal {
    /// The rollout this journal belongs to.
    let rollout: RolloutID
    /// The file.
    let path: String
    private let handle: FileHandle
    private let encoder = RolloutRecord.makeEncoder()
    /// The sequence number of the last record written.
    private(set) var lastSequence: Int

    /// The journal directory when `--journal-dir` is not given:
    /// `$XDG_STATE_HOME/hotpatch/rollouts`, else `~/.local/state/hotpatch/rollouts`.
    package static var defaultDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/hotpatch/rollouts"
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/hotpatch/rollouts"
    }

    /// The file of rollout `rollout` in `directory`.
    static func path(for rollout: RolloutID, in directory: String) -> String {
        directory + "/" + rollout.rawValue + ".jsonl"
    }

    /// Creates the journal of a new rollout; fails if one with this id exists.
    static func create(rollout: RolloutID, directory: String) throws -> RolloutJournal {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw RolloutJournalError.unwritable(directory: directory, reason: error.localizedDescription)
        }
        let path = path(for: rollout, in: directory)
        guard
            FileManager.default.createFile(
                atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw RolloutJournalError.unwritable(directory: directory, reason: "cannot create \(path)") }
        let journal = try RolloutJournal(rollout: rollout, path: path, lastSequence: 0)
        try journal.lockForWriting()
        // The new file's name must survive a crash too, not only its contents.
        if let directoryHandle = FileHandle(forReadingAtPath: directory) {
            try? directoryHandle.synchronize()
            try? directoryHandle.close()
        }
        return journal
    }

    /// Opens an existing journal to continue it (resume, rollback of a rollout), as its only
    /// writer. `lastSequence` is the last record the caller replayed: if the file holds more by
    /// the time the lock is ours, another `hotpatch` continued the rollout in between and the
    /// caller's replay is stale, so this refuses rather than act on it. A line torn by a crash
    /// mid-write is cut off first, so the next line starts clean.
    static func reopen(rollout: RolloutID, directory: String, lastSequence: Int) throws -> RolloutJournal {
        let journal = try RolloutJournal(
            rollout: rollout, path: path(for: rollout, in: directory), lastSequence: lastSequence)
        try journal.lockForWriting()
        let onDisk = try read(path: journal.path).last?.sequence ?? 0
        guard onDisk == lastSequence else {
            throw RolloutJournalError.changedMeanwhile(
                path: journal.path, replayed: lastSequence, found: onDisk)
        }
        try journal.cutTornTail()
        return journal
    }

    /// Takes the writer's lock, or says who holds it. Held until the handle closes (deinit, or
    /// the process ending in any way).
    private func lockForWriting() throws {
        switch JournalFileLock.tryExclusive(handle.fileDescriptor) {
        case .acquired: return
        case .heldByAnother: throw RolloutJournalError.busy(path: path)
        case .failed(let reason):
            throw RolloutJournalError.unwritable(directory: path, reason: "cannot lock it: \(reason)")
        }
    }

    /// Truncates the file after its last newline (nothing to do when it ends with one).
    private func cutTornTail() throws {
        guard let data = FileManager.default.contents(atPath: path), let last = data.last,
            last != UInt8(ascii: "\n")
        else { return }
        let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        do {
            try handle.truncate(atOffset: UInt64(keep))
            try handle.synchronize()
        } catch {
            throw RolloutJournalError.unwritable(
                directory: path, reason: "cannot cut the torn last line: \(error)")
        }
    }

    private init(rollout: RolloutID, path: String, lastSequence: Int) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw RolloutJournalError.unwritable(directory: path, reason: "cannot open it for appending")
        }
        self.rollout = rollout
        self.path = path
        self.handle = handle
        self.lastSequence = lastSequence
    }

    deinit { try? handle.close() }

    /// Writes `event` as the next record and waits until it is on disk.
    @discardableResult
    func append(_ event: RolloutEvent, time: Date = Date()) throws -> RolloutRecord {
        let record = try write(event, time: time)
        try synchronize()
        return record
    }

    /// Writes `event` as the next record WITHOUT waiting for the disk: the caller must
    /// `synchronize()` before any step that relies on it (``EventSink`` does, for many records
    /// at once).
    func write(_ event: RolloutEvent, time: Date = Date()) throws -> RolloutRecord {
        let record = RolloutRecord(rollout: rollout, sequence: lastSequence + 1, time: time, event: event)
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw RolloutJournalError.unwritable(directory: path, reason: error.localizedDescription)
        }
        lastSequence = record.sequence
        return record
    }

    /// Waits until every record written so far is on disk (fsync). Safe to call while another
    /// thread writes the next record: whatever that write put in the file by then is covered.
    func synchronize() throws {
        do {
            try handle.synchronize()
        } catch {
            throw RolloutJournalError.unwritable(directory: path, reason: error.localizedDescription)
        }
    }

    /// Reads every record of a journal file. A last line cut short by a crash mid-write is
    /// ignored (its step never ran, since each step waits for its line); any other bad line
    /// is an error naming the line.
    static func read(path: String) throws -> [RolloutRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RolloutJournalError.notFound(path: path)
        }
        let decoder = RolloutRecord.makeDecoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var records: [RolloutRecord] = []
        var start: RolloutStart?
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let record: RolloutRecord
            do {
                record = try decoder.decode(RolloutRecord.self, from: Data(line))
            } catch {
                let isTornTail = index == lines.count - 1
                if isTornTail { break }
                throw RolloutJournalError.corrupt(path: path, line: index + 1, reason: "\(error)")
            }
            // The engine finds every host it acts on by name in the start, so a line naming
            // another host is damage, refused here rather than acted on.
            if let start, let stranger = record.event.hostNames.first(where: { start.host(named: $0) == nil })
            {
                throw RolloutJournalError.corrupt(
                    path: path, line: index + 1,
                    reason:
                        "it names host \(stranger), which is not among the hosts of the journal's first line")
            }
            if case .started(let started) = record.event { start = started }
            records.append(record)
        }
        return records
    }
}

/// What went wrong with a rollout journal, and what to do.
enum RolloutJournalError: Error, CustomStringConvertible, Equatable {
    /// The directory or file cannot be written.
    case unwritable(directory: String, reason: String)
    /// No journal for that rollout.
    case notFound(path: String)
    /// A line in the middle does not decode.
    case corrupt(path: String, line: Int, reason: String)
    /// The journal has no `started` event.
    case noPlan(path: String)
    /// Another `hotpatch` process holds the journal's lock: it is driving this rollout now.
    case busy(path: String)
    /// The journal grew between reading it and locking it: another `hotpatch` continued it.
    case changedMeanwhile(path: String, replayed: Int, found: Int)

    var description: String {
        switch self {
        case .unwritable(let directory, let reason):
            return
                "cannot write the rollout journal at \(directory): \(reason); pass a writable --journal-dir"
        case .notFound(let path):
            return "no rollout journal at \(path); check the rollout id and --journal-dir"
        case .corrupt(let path, let line, let reason):
            return "rollout journal \(path) line \(line) is unreadable (\(reason)); repair or move that line"
        case .noPlan(let path):
            return "rollout journal \(path) has no 'started' event; it cannot be resumed"
        case .busy(let path):
            return
                "another hotpatch process is driving this rollout now (it holds the lock on \(path)); "
                + "wait for it to finish, or stop it, then run resume or rollback again"
        case .changedMeanwhile(let path, let replayed, let found):
            return
                "rollout journal \(path) grew from \(replayed) to \(found) records while it was being read "
                + "(another hotpatch continued this rollout); nothing was done: run the command again"
        }
    }
}
