import Foundation
import SSH

/// The read-only preflight of a planned rollout on every selected host: uploads the agent and
/// the patch as a rollout would, runs `hotpatch-agent preflight` there and collects what would
/// make `apply` fail. Shared by `plan` and `rollout --preflight`, so both say the same.
package enum FleetPreflight {
    /// One probe per selected host, in inventory order, with its preflight report.
    package static func probe(_ start: RolloutStart) -> [HostProbe] {
        FleetProbe.probe(
            start.hosts, connector: SSHHostConnector(settings: start.settings), agentPath: start.agentPath,
            patch: start.patch, targetPath: nil, forks: start.settings.forks,
            timeout: .seconds(Int64(start.settings.hostTimeoutSeconds)), preflight: true)
    }

    /// The refusal `rollout --preflight` prints when some host would fail: per failing host its
    /// reasons (text), or every host's probe line then one refusal object (JSON Lines).
    package static func refusal(_ probes: [HostProbe], json: Bool) -> String {
        let failing = probes.filter { !$0.problems.isEmpty }
        guard json else {
            var text = failing.map(PlanReport.hostLines).joined()
            text +=
                "rollout not started: \(failing.count) of \(probes.count) hosts would fail the preflight; "
            text += "no process was touched and no journal was written\n"
            return text
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let summary = try! encoder.encode(
            PreflightRefusal(
                event: "preflight-refused", failedHosts: failing.map(\.host), hosts: probes.count))
        return FleetStatusReport.jsonLines(probes) + String(decoding: summary, as: UTF8.self) + "\n"
    }

    /// The last JSON line of a refused `rollout --preflight`.
    private struct PreflightRefusal: Encodable {
        let event: String
        let failedHosts: [String]
        let hosts: Int
    }
}
