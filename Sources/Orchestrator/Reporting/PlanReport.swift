import Foundation

/// What `hotpatch plan` prints: per host readiness, then the waves.
enum PlanReport {
    /// The human view (escaped for a terminal: host names and agent messages are untrusted).
    static func text(_ plan: RolloutStart, probes: [HostProbe]) -> String {
        var rows = [["HOST", "WAVE", "CONNECT", "BECOME", "AGENT", "TARGETS", "ALREADY PATCHED", "DETAIL"]]
        let become = Dictionary(uniqueKeysWithValues: plan.hosts.map { ($0.name, $0) })
        let waveOf = Dictionary(
            uniqueKeysWithValues: plan.waves.enumerated().flatMap { index, names in
                names.map { ($0, index + 1) }
            })
        for probe in probes {
            let already = probe.patchedProcesses.filter { process in
                process.patches.contains { $0.id == plan.patch.id && $0.contentHash == plan.patch.sha256 }
            }.count
            rows.append([
                probe.host, waveOf[probe.host].map(String.init) ?? "-", probe.reachable ? "ok" : "FAILED",
                becomeText(become[probe.host], agentRan: probe.agentVersion != nil),
                probe.agentVersion ?? "-", probe.targetProcesses.map { String($0.count) } ?? "-",
                probe.reachable ? String(already) : "-", SummaryTable.oneLine(probe.error ?? ""),
            ])
        }
        var text = "plan for patch \(plan.patch.id) (sha256 \(plan.patch.sha256.prefix(12)), "
        text += "target build-id \(plan.patch.targetBuildID)); nothing was changed\n"
        text += TextTable.render(rows)
        for (index, wave) in plan.waves.enumerated() {
            text += "wave \(index + 1)\(index == 0 ? " (canary)" : ""): \(wave.joined(separator: ", "))\n"
        }
        return Terminal.escaped(text, multiline: true)
    }

    /// `sudo ok` when the agent ran through `sudo -n`, `no` when become is not set.
    private static func becomeText(_ host: RolloutHost?, agentRan: Bool) -> String {
        guard let host, host.become else { return "no" }
        let user = host.becomeUser ?? "root"
        return agentRan ? "sudo \(user) ok" : "sudo \(user) ?"
    }

    /// The waves as one JSON line: `{"waves":[["web01"],["web02","web03"]]}`.
    static func wavesJSON(_ plan: RolloutStart) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try! encoder.encode(["waves": plan.waves])
        return String(decoding: body, as: UTF8.self) + "\n"
    }
}
