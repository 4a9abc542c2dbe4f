import FleetInventory
import Foundation
import Shared

/// The pieces every fleet command starts from: the patch's identity, the selected hosts and
/// the waves, computed the same way by `plan`, `rollout` and `rollback`.
package enum FleetSelection {
    /// Reads the patch file and its identity (id, SHA-256, target build-id).
    package static func patch(at path: String) throws -> PatchRecord {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw RolloutSetupError(
                "cannot read the patch \(absolute); check the path (make one with hotpatch create)")
        }
        let patch: PatchFile
        do {
            patch = try PatchFile(bytes: Array(data))
        } catch {
            throw RolloutSetupError(
                "\(absolute) is not a usable patch: \(error); rebuild it with hotpatch create")
        }
        return PatchRecord(
            path: absolute, id: patch.id, sha256: patch.contentHash.hex,
            targetBuildID: patch.targetBuildID.hex)
    }

    /// The inventory's hosts matching `--limit`, in inventory order.
    package static func hosts(inventory path: String, limit: String?) throws -> [InventoryHost] {
        let inventory = try Inventory.load(path: path)
        let selected: [InventoryHost]
        if let limit {
            selected = try LimitPattern(limit).select(from: inventory)
        } else {
            selected = inventory.hosts
        }
        guard !selected.isEmpty else {
            throw RolloutSetupError("no host of \(path) matches --limit \(limit ?? "all"); check the pattern")
        }
        return selected
    }

    /// The selected hosts cut into waves, each host as the rollout reaches it.
    package static func waves(_ hosts: [InventoryHost], schedule: WaveSchedule) -> [[HostAddress]] {
        let plan = WavePlan(hosts: hosts, schedule: schedule)
        return plan.waves.map { $0.hosts.map(\.reach) }
    }
}

extension FleetSelection {
    /// The path the patch's target module had when the patch was made: where `status` and
    /// `plan` look for target processes (the agent checks the build-id itself on apply).
    package static func targetPathHint(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RolloutSetupError("cannot read the patch \(path); check the path")
        }
        do {
            return try PatchFile(bytes: Array(data)).targetPathHint
        } catch {
            throw RolloutSetupError("\(path) is not a usable patch: \(error)")
        }
    }
}
