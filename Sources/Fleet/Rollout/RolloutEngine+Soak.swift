import FleetInventory
import Foundation
import Synchronization

/// The checks after a wave: every host this rollout has patched so far (earlier waves too,
/// since the budget is for the whole rollout) is checked every `--check-interval` until
/// `--soak` has passed; a host's first failure is recorded and counts against the budget.
extension RolloutEngine {
    /// Runs the remaining check rounds of `wave`; returns the halt when the budget breaks.
    func soak(wave: Int) throws -> RolloutHalt? {
        let settings = context.settings
        let interval = max(settings.checkIntervalSeconds, 0.1)
        let rounds = settings.soakSeconds <= 0 ? 1 : Int(settings.soakSeconds / interval) + 1
        let done = sink.progress.checkRounds[wave] ?? 0
        guard done < rounds else { return nil }
        for round in (done + 1)...rounds {
            let started = Date()
            let hosts = hostsToCheck(upTo: wave)
            let failures = FailureCollector()
            WorkerPool.run(hosts, width: settings.forks) { [self] host in
                if let failure = checkHost(host) { failures.add(failure) }
            }
            let ordered = failures.sorted(by: sink.progress.orderedNames)
            try sink.emit(
                .checked(CheckRound(wave: wave, round: round, checked: hosts.count, failures: ordered)))
            if let halt = budgetHalt(wave: wave) { return halt }
            if round < rounds {
                let left = interval - Date().timeIntervalSince(started)
                if left > 0 { Thread.sleep(forTimeInterval: left) }
            }
        }
        return nil
    }

    /// Hosts of waves 1...`wave` that run the patch and have not failed a check yet.
    private func hostsToCheck(upTo wave: Int) -> [HostAddress] {
        let progress = sink.progress
        return context.hosts(named: progress.orderedNames).filter { host in
            guard let state = progress.hosts[host.name], state.wave <= wave, state.checkFailure == nil else {
                return false
            }
            return state.effectiveStatus == .patched || state.effectiveStatus == .alreadyPatched
        }
    }
}

/// Collects check failures from worker threads.
private final class FailureCollector: Sendable {
    private let failures = Mutex<[HostFailure]>([])

    func add(_ failure: HostFailure) { failures.withLock { $0.append(failure) } }

    /// The failures in wave order, so the journal reads the same on every run.
    func sorted(by order: [String]) -> [HostFailure] {
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return failures.withLock { $0 }.sorted { (position[$0.host] ?? 0) < (position[$1.host] ?? 0) }
    }
}
