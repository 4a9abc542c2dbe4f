import FleetInventory
import Foundation
import SSH
import Shared

/// Drives a rollout from wherever its progress stands (new, or replayed from the journal by
/// `resume`) to its end: waves in order, canary first; per wave apply, check over the soak,
/// decide with the failure budget; over budget, halt and revert newest wave first.
///
/// Every step is recorded by the ``EventSink`` before the next one starts; the engine's only
/// state is the sink's progress, so a resumed engine and an uninterrupted one are the same.
final class RolloutEngine: Sendable {
    let context: RolloutContext
    let sink: EventSink
    /// Each host's one connection, kept from its upload to its last check or revert.
    let connections: ConnectionPool

    /// An engine over a started (or replayed) rollout.
    init(context: RolloutContext, sink: EventSink) {
        self.context = context
        self.sink = sink
        connections = ConnectionPool(
            connector: context.connector,
            capacity: Self.idleConnectionCapacity(
                hosts: context.start.hosts.count, forks: context.settings.forks,
                descriptors: LibSSH2.raiseDescriptorLimit()))
    }

    deinit { connections.closeAll() }

    /// How many idle connections fit: every host's when the descriptor limit allows (one socket
    /// each), leaving room for the `forks` in use, their ssh-agent sockets, the journal and
    /// the rest of the process.
    static func idleConnectionCapacity(hosts: Int, forks: Int, descriptors: Int) -> Int {
        max(0, min(hosts, descriptors - 64 - 2 * max(forks, 1)))
    }

    /// Closes every host's connection (the end of a run, whichever way it ended).
    func closeConnections() { connections.closeAll() }

    /// Runs to the end and returns how it ended. Throws only when the journal cannot be
    /// written (then no further step is safe).
    func run() throws -> RolloutResult {
        defer { closeConnections() }
        let progress = sink.progress
        if let end = progress.end { return end.result }
        if let halt = progress.halt { return try finishHalt(halt) }
        let waves = context.start.waves.count
        while let wave = sink.progress.nextWave, wave <= waves {
            if let halt = try runWave(wave) { return try finishHalt(halt) }
        }
        return try finish(result: sink.progress.totalsSayFailures ? .completedWithFailures : .succeeded)
    }

    /// One wave: start, act on every host not done yet, check over the soak, decide.
    /// Returns the halt when the budget breaks.
    private func runWave(_ wave: Int) throws -> RolloutHalt? {
        let hosts = context.start.wave(wave)
        if !sink.progress.wavesStarted.contains(wave) {
            try sink.emit(.waveStarted(WaveStart(wave: wave, hosts: hosts.map(\.name))))
        }
        let todo = hosts.filter { host in
            guard let state = sink.progress.hosts[host.name] else { return false }
            return context.settings.kind == .rollout
                ? state.apply.outcome == nil : state.revert.outcome == nil
        }
        let inDoubt = Set(sink.progress.applyInDoubt)
        WorkerPool.run(todo, width: context.settings.forks) { [self] host in
            // Once the budget is spent, hosts not started yet stay untouched: the halt comes anyway.
            guard !budgetSpent() else { return }
            if context.settings.kind == .rollout {
                applyHost(host, wave: wave, askFirst: inDoubt.contains(host.name))
            } else {
                revertHost(host, wave: wave)
            }
        }
        try sink.throwIfBroken()
        if let halt = budgetHalt(wave: wave) { return halt }
        if context.settings.kind == .rollout {
            if let halt = try soak(wave: wave) { return halt }
        }
        try sink.emit(.waveFinished(WaveEnd(wave: wave, totals: sink.progress.totals)))
        return nil
    }

    /// The halt the budget calls for after (part of) `wave`, recorded; nil to go on.
    func budgetHalt(wave: Int) -> RolloutHalt? {
        let progress = sink.progress
        let kind = context.settings.kind
        let waveTally = progress.tally(hosts: progress.hostNames(inWave: wave), kind: kind)
        let rolloutTally = progress.tally(hosts: progress.orderedNames, kind: kind)
        let decision = context.budget.decision(
            wave: waveTally, rollout: rolloutTally, totalHosts: context.start.hosts.count)
        guard case .halt(let breach) = decision else { return nil }
        let rollingBack = kind == .rollout && context.settings.rollbackOnHalt
        return RolloutHalt(
            wave: wave, reason: "\(breach) (--max-failed \(context.budget))", rollingBack: rollingBack)
    }

    /// True when the failures so far already exceed the budget.
    private func budgetSpent() -> Bool {
        let progress = sink.progress
        let tally = progress.tally(hosts: progress.orderedNames, kind: context.settings.kind)
        return context.budget.isExceeded(by: tally, totalHosts: context.start.hosts.count)
    }

    /// Records the halt (once) and reverts what this rollout patched, newest wave first.
    private func finishHalt(_ halt: RolloutHalt) throws -> RolloutResult {
        if sink.progress.halt == nil { try sink.emit(.halted(halt)) }
        guard halt.rollingBack else { return try finish(result: .haltedWithoutRollback) }
        let clean = try revertEverythingPatched()
        return try finish(result: clean ? .haltedRolledBack : .haltedRollbackIncomplete)
    }

    /// Reverts every host this rollout patched (or may have), one wave at a time from the
    /// newest; true when every one of them is clean afterwards.
    func revertEverythingPatched() throws -> Bool {
        let pending = context.hosts(named: sink.progress.hostsToRevert)
        let byWave = Dictionary(grouping: pending) { sink.progress.hosts[$0.name]?.wave ?? 0 }
        for wave in byWave.keys.sorted(by: >) {
            WorkerPool.run(byWave[wave] ?? [], width: context.settings.forks) { [self] host in
                revertHost(host, wave: wave)
            }
            try sink.throwIfBroken()
        }
        return sink.progress.hostsToRevert.isEmpty
    }

    private func finish(result: RolloutResult) throws -> RolloutResult {
        try sink.emit(.finished(RolloutEnd(result: result, totals: sink.progress.totals)))
        return result
    }
}

extension RolloutProgress {
    /// The budget's view of `hosts`: succeeded, failed or unreachable (unfinished hosts are
    /// left out). For a rollback run the revert outcome counts instead of the apply outcome.
    func tally(hosts names: [String], kind: RolloutSettings.Kind) -> FailureTally {
        var tally = FailureTally()
        for name in names {
            guard let state = hosts[name] else { continue }
            switch kind {
            case .rollout:
                switch state.effectiveStatus {
                case .failed?: tally.record(.failed)
                case .unreachable?: tally.record(.unreachable)
                case .patched?, .alreadyPatched?, .noTarget?: tally.record(.succeeded)
                case nil: break
                }
            case .rollback:
                switch state.revert.outcome?.status {
                case .failed?: tally.record(.failed)
                case .unreachable?: tally.record(.unreachable)
                case .reverted?, .notInPlace?: tally.record(.succeeded)
                case nil: break
                }
            }
        }
        return tally
    }

    /// True when some host failed or was unreachable (the rollout did not fully succeed).
    var totalsSayFailures: Bool {
        let totals = self.totals
        let revertProblems = hosts.values.contains { state in
            state.revert.outcome.map { !$0.status.isClean } ?? false
        }
        // A fixed build refused on disk leaves the host patched but not fixed for a restart.
        let diskProblems = hosts.values.contains { $0.apply.outcome?.diskProblem == true }
        return totals.failed > 0 || totals.unreachable > 0 || revertProblems || diskProblems
    }
}
