/// Where a rollout stands: the fold of its events. The engine keeps its state this way while
/// it runs, and `resume` rebuilds exactly the same state by replaying the journal, so the two
/// can never disagree about which hosts were patched.
struct RolloutProgress: Sendable, Equatable {
    /// Where one host stands in one phase (apply or revert).
    enum Phase<Outcome: Sendable & Equatable>: Sendable, Equatable {
        /// Not started.
        case pending
        /// Intent recorded, no outcome: the agent may or may not have acted.
        case inDoubt
        /// Finished with this outcome.
        case done(Outcome)

        /// The outcome, when finished.
        var outcome: Outcome? {
            if case .done(let outcome) = self { return outcome }
            return nil
        }
    }

    /// Everything known about one host.
    struct HostState: Sendable, Equatable {
        /// The wave the host belongs to (1-based).
        var wave: Int
        /// The apply phase.
        var apply: Phase<ApplyOutcome> = .pending
        /// The first failed check, if any (it makes a patched host count as failed).
        var checkFailure: HostFailure? = nil
        /// The revert phase.
        var revert: Phase<RevertOutcome> = .pending

        /// The host's status for counting: the apply outcome, overridden by a failed check.
        var effectiveStatus: ApplyStatus? {
            guard let outcome = apply.outcome else { return nil }
            if let checkFailure { return checkFailure.unreachable ? .unreachable : .failed }
            return outcome.status
        }

        /// True when this rollout put the patch on the host and no revert has cleaned it yet.
        var needsRevert: Bool {
            // A partial apply (failed, but some processes took the patch) must be undone too.
            let mayHavePatched =
                apply == .inDoubt
                || apply.outcome.map { $0.status == .patched || $0.processes > 0 || $0.mayBeInPlace } == true
            // A fixed build installed on disk must go back too, even where the patch was in place.
            let installed = apply.outcome?.installedFiles == true
            guard installed || (mayHavePatched && apply.outcome?.status != .alreadyPatched) else {
                return false
            }
            if let reverted = revert.outcome { return !reverted.status.isClean }
            return true
        }
    }

    /// How the rollout started (nil only before the first event).
    private(set) var start: RolloutStart?
    /// The last sequence number seen.
    private(set) var lastSequence = 0
    /// Every host by name.
    private(set) var hosts: [String: HostState] = [:]
    /// Waves begun, and waves whose checks passed.
    private(set) var wavesStarted: Set<Int> = []
    /// Waves whose end was recorded.
    private(set) var wavesFinished: Set<Int> = []
    /// Check rounds recorded per wave (so a resumed soak does not restart from round 1).
    private(set) var checkRounds: [Int: Int] = [:]
    /// The halt, if the rollout halted.
    private(set) var halt: RolloutHalt?
    /// The end, if the rollout finished.
    private(set) var end: RolloutEnd?
    /// How many times the rollout was resumed.
    private(set) var resumes = 0

    /// An empty progress (before `started`).
    init() {}

    /// The progress after replaying `records` in order.
    init(replaying records: [RolloutRecord]) {
        for record in records { apply(record) }
    }

    /// Folds one more record in.
    mutating func apply(_ record: RolloutRecord) {
        lastSequence = max(lastSequence, record.sequence)
        apply(record.event)
    }

    /// Folds one more event in.
    mutating func apply(_ event: RolloutEvent) {
        switch event {
        case .started(let started):
            start = started
            for (index, wave) in started.waves.enumerated() {
                for host in wave { hosts[host.name] = HostState(wave: index + 1) }
            }
        case .resumed:
            resumes += 1
        case .waveStarted(let wave):
            wavesStarted.insert(wave.wave)
        case .uploaded:
            break
        case .applyIntent(let step):
            hosts[step.host, default: HostState(wave: step.wave)].apply = .inDoubt
        case .applied(let applied):
            hosts[applied.host, default: HostState(wave: applied.wave)].apply = .done(applied.outcome)
        case .checked(let round):
            checkRounds[round.wave] = max(checkRounds[round.wave] ?? 0, round.round)
            for failure in round.failures where hosts[failure.host]?.checkFailure == nil {
                hosts[failure.host]?.checkFailure = failure
            }
        case .waveFinished(let wave):
            wavesFinished.insert(wave.wave)
        case .halted(let halted):
            halt = halted
        case .revertIntent(let step):
            hosts[step.host, default: HostState(wave: step.wave)].revert = .inDoubt
        case .reverted(let reverted):
            hosts[reverted.host, default: HostState(wave: reverted.wave)].revert = .done(reverted.outcome)
        case .finished(let finished):
            end = finished
        }
    }

    /// The host names of wave `wave` (1-based), in inventory order.
    func hostNames(inWave wave: Int) -> [String] {
        start?.wave(wave).map(\.name) ?? []
    }

    /// Hosts whose apply began but was never recorded as finished.
    var applyInDoubt: [String] { orderedNames.filter { hosts[$0]?.apply == .inDoubt } }

    /// Hosts this rollout patched (or may have) that are not reverted yet, newest wave first.
    var hostsToRevert: [String] {
        orderedNames.filter { hosts[$0]?.needsRevert == true }
            .sorted { (hosts[$0]?.wave ?? 0) > (hosts[$1]?.wave ?? 0) }
    }

    /// The first wave not recorded as finished, or nil when every wave is.
    var nextWave: Int? {
        guard let start else { return nil }
        return (1...max(start.waves.count, 1)).first {
            !wavesFinished.contains($0) && $0 <= start.waves.count
        }
    }

    /// Counts over every host.
    var totals: RolloutTotals {
        var totals = RolloutTotals()
        totals.hosts = hosts.count
        for state in hosts.values {
            switch state.effectiveStatus {
            case .patched?: totals.patched += 1
            case .alreadyPatched?: totals.alreadyPatched += 1
            case .noTarget?: totals.noTarget += 1
            case .failed?: totals.failed += 1
            case .unreachable?: totals.unreachable += 1
            case nil: break
            }
            switch state.revert.outcome?.status {
            case .reverted?: totals.reverted += 1
            case .failed?, .unreachable?: totals.revertFailed += 1
            case .notInPlace?, nil: break
            }
        }
        return totals
    }

    /// Host names wave by wave, as the rollout started.
    var orderedNames: [String] {
        let planned = start?.waves.flatMap { $0.map(\.name) } ?? []
        let extra = hosts.keys.filter { !planned.contains($0) }.sorted()
        return planned + extra
    }
}
