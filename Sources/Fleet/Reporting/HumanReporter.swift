import Foundation

/// Output for people. On a terminal: one live progress line (wave, hosts done / failed /
/// unreachable, elapsed) with failures printed above it as they happen; elsewhere (a log, a CI
/// job) one line per wave and per failure instead. Always a summary table at the end.
final class HumanReporter: RolloutReporter {
    private let output: TextOutput
    private var progress = RolloutProgress()
    private var firstTime: Date?
    private var currentWave = 0
    private var phase = "applying"
    private var progressLineShown = false

    /// Writes to `output`. `progress` is what the journal already holds when a rollout is
    /// resumed, so the final table covers every host, not only those of this run.
    init(output: TextOutput, progress: RolloutProgress = RolloutProgress()) {
        self.output = output
        self.progress = progress
        currentWave = progress.end == nil ? progress.nextWave ?? 0 : 0
    }

    func report(_ record: RolloutRecord) {
        progress.apply(record)
        if firstTime == nil { firstTime = record.time }
        if let line = message(for: record.event, rollout: record.rollout) { print(line) }
        if case .finished(let end) = record.event {
            clearProgressLine()
            write(SummaryTable.render(progress))
            write(SummaryTable.totalsLine(end.totals) + "\n")
            let kind = progress.start?.settings.kind ?? .rollout
            write(ResultText.line(end.result, rollout: record.rollout, kind: kind) + "\n")
            return
        }
        if output.isTerminal { drawProgressLine(at: record.time) }
    }

    /// The permanent line an event deserves, if any (failures, waves, halts).
    private func message(for event: RolloutEvent, rollout: RolloutID) -> String? {
        switch event {
        case .started(let start):
            // The id comes first: it is what `resume` and `rollback --rollout` need after a Ctrl-C.
            let sizes = start.waves.map { String($0.count) }.joined(separator: ",")
            let verb = start.settings.kind == .rollout ? "rolling out" : "rolling back"
            return "\(rollout): \(verb) patch \(start.patch.id) to \(start.hosts.count) hosts in "
                + "\(start.waves.count) waves (\(sizes)); if interrupted: hotpatch resume \(rollout)"
        case .resumed(let resume):
            let doubt =
                resume.hostsInDoubt.isEmpty
                ? "" : "; asking \(resume.hostsInDoubt.joined(separator: ", ")) first"
            return "\(rollout): resuming\(doubt)"
        case .waveStarted(let wave):
            currentWave = wave.wave
            phase = progress.start?.settings.kind == .rollback ? "reverting" : "applying"
            return output.isTerminal ? nil : "wave \(wave.wave)/\(waveCount): \(wave.hosts.count) hosts"
        case .applied(let applied)
        where applied.outcome.status == .failed || applied.outcome.status == .unreachable:
            return
                "  \(applied.host): \(applied.outcome.status.rawValue): \(SummaryTable.oneLine(applied.outcome.message ?? ""))"
        case .checked(let round):
            phase = "checking (round \(round.round))"
            return round.failures.isEmpty
                ? nil
                : round.failures.map { "  \($0.host): check failed: \(SummaryTable.oneLine($0.message))" }
                    .joined(separator: "\n")
        case .waveFinished(let end):
            return output.isTerminal ? nil : "wave \(end.wave) done: \(SummaryTable.totalsLine(end.totals))"
        case .halted(let halt):
            phase = halt.rollingBack ? "rolling back" : "halted"
            let next =
                halt.rollingBack
                ? "reverting every host this rollout patched, newest wave first"
                : "not reverting (--no-rollback)"
            return "HALTED in wave \(halt.wave): \(halt.reason); \(next)"
        case .reverted(let reverted) where !reverted.outcome.status.isClean:
            return
                "  \(reverted.host): revert \(reverted.outcome.status.rawValue): \(SummaryTable.oneLine(reverted.outcome.message ?? ""))"
        case .applied(let applied) where applied.outcome.files?.isEmpty == false:
            return DiskLines.lines(host: applied.host, applied.outcome.files ?? [])
        case .reverted(let reverted) where reverted.outcome.files?.isEmpty == false:
            return DiskLines.lines(host: reverted.host, reverted.outcome.files ?? [])
        default:
            return nil
        }
    }

    private var waveCount: Int { progress.start?.waves.count ?? 0 }

    private func print(_ line: String) {
        clearProgressLine()
        write(line + "\n")
    }

    /// Writes text that may hold what hosts said (names, messages, output), escaped so a host
    /// cannot send the operator's terminal control sequences. Only this reporter's own
    /// progress-line sequences bypass it.
    private func write(_ text: String) {
        output.write(Terminal.escaped(text, multiline: true))
    }

    private func clearProgressLine() {
        guard progressLineShown else { return }
        output.write("\r\u{1B}[K")
        progressLineShown = false
    }

    private func drawProgressLine(at time: Date) {
        guard currentWave > 0 else { return }
        let line = ProgressLine.render(
            wave: currentWave, of: waveCount, phase: phase, progress: progress,
            elapsed: time.timeIntervalSince(firstTime ?? time))
        output.write("\r\u{1B}[K" + Terminal.escaped(line))
        progressLineShown = true
    }
}

/// The live line: `[wave 2/3 applying] 4/7 done, 1 failed, 0 unreachable  12s`.
enum ProgressLine {
    /// Renders the line for the current wave from the progress so far.
    static func render(wave: Int, of waves: Int, phase: String, progress: RolloutProgress, elapsed: Double)
        -> String
    {
        let names = progress.hostNames(inWave: wave)
        var done = 0
        var failed = 0
        var unreachable = 0
        for name in names {
            guard let state = progress.hosts[name] else { continue }
            let finished = state.apply.outcome != nil || state.revert.outcome != nil
            if finished { done += 1 }
            let status = state.effectiveStatus
            if status == .failed || state.revert.outcome?.status == .failed { failed += 1 }
            if status == .unreachable || state.revert.outcome?.status == .unreachable { unreachable += 1 }
        }
        return "[wave \(wave)/\(waves) \(phase)] \(done)/\(names.count) done, \(failed) failed, "
            + "\(unreachable) unreachable  \(Int(elapsed.rounded(.down)))s"
    }
}

/// The last line of a run, saying how it ended and what to do next.
enum ResultText {
    /// One line for `result`.
    static func line(_ result: RolloutResult, rollout: RolloutID, kind: RolloutSettings.Kind = .rollout)
        -> String
    {
        switch result {
        case .succeeded where kind == .rollback:
            return "rollback \(rollout) succeeded: the patch is reverted on every reached host"
        case .succeeded:
            return "rollout \(rollout) succeeded"
        case .completedWithFailures:
            return
                "rollout \(rollout) completed within the failure budget; the hosts above that failed are not patched"
        case .haltedRolledBack:
            return "rollout \(rollout) HALTED and rolled back: no host keeps the patch from this rollout"
        case .haltedRollbackIncomplete:
            return "rollout \(rollout) HALTED; some hosts could NOT be reverted (above); "
                + "retry with: hotpatch rollback --rollout \(rollout)"
        case .rolledBack:
            return "rollout \(rollout) rolled back: every host it patched is reverted"
        case .haltedWithoutRollback:
            return
                "rollout \(rollout) HALTED without rollback; undo with: hotpatch rollback --rollout \(rollout)"
        }
    }
}
