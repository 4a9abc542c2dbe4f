import FleetInventory
import Foundation
import Shared

@testable import Fleet

/// Builds journal records for the journal and reporting tests: a three-host rollout in waves
/// [a], [b, c], stamped one second apart from a fixed time.
enum JournalTestRecords {
    static let rollout = RolloutID("20261125T140000Z-abcdef")!
    static let t0 = Date(timeIntervalSince1970: 1_764_079_200)

    static func host(_ name: String) -> HostAddress {
        HostAddress(
            name: name, address: "127.0.2.1", port: 22, user: "root", privateKeyFile: nil, become: false,
            becomeUser: nil)
    }

    static let patch = PatchRecord(
        path: "/tmp/fix.hotpatch", id: PatchID("parity-fix")!, sha256: "ab12", targetBuildID: "cd34")

    /// A start over the hosts of `waves` (by default a, then b and c).
    static func start(kind: RolloutSettings.Kind = .rollout, waves: [[String]] = [["a"], ["b", "c"]])
        -> RolloutStart
    {
        var settings = RolloutSettings()
        settings.kind = kind
        return RolloutStart(
            patch: patch, agentPath: "/usr/bin/hotpatch-agent", inventoryPath: "/tmp/inv.ini", limit: nil,
            hosts: waves.flatMap { $0 }.map(host), waves: waves.map { $0.map(host) }, settings: settings)
    }

    static let one = ProcessIdentity(pid: Pid(100), startTime: 5)

    static func patched(_ host: String, wave: Int) -> RolloutEvent {
        .applied(
            HostApplied(
                host: host, wave: wave, outcome: ApplyOutcome(status: .patched, processes: 1, targets: [one]))
        )
    }

    static func failed(_ host: String, wave: Int, _ message: String) -> RolloutEvent {
        .applied(
            HostApplied(host: host, wave: wave, outcome: ApplyOutcome(status: .failed, message: message)))
    }

    static func unreachable(_ host: String, wave: Int) -> RolloutEvent {
        .applied(
            HostApplied(
                host: host, wave: wave,
                outcome: ApplyOutcome(
                    status: .unreachable, message: "b (root@127.0.2.2:22): connect: refused")))
    }

    static func intent(_ host: String, wave: Int) -> RolloutEvent {
        .applyIntent(HostStep(host: host, wave: wave))
    }

    /// Stamps events as records 1, 2, 3... one second apart.
    static func records(_ events: [RolloutEvent]) -> [RolloutRecord] {
        events.enumerated().map { index, event in
            RolloutRecord(
                rollout: rollout, sequence: index + 1, time: t0.addingTimeInterval(Double(index)),
                event: event)
        }
    }
}
