import FleetInventory
import Foundation
import Shared

/// What `hotpatch plan` prints: per host readiness (the agent's preflight), then the waves.
package enum PlanReport {
    /// The human view: a table, then per host "ready" or the reasons it would fail (one line
    /// each), its targets by build-id and other builds of the target file; then the waves.
    /// Escaped for a terminal: host names and what agents report are untrusted.
    package static func text(_ start: RolloutStart, probes: [HostProbe]) -> String {
        var rows = [
            [
                "HOST", "WAVE", "CONNECT", "BECOME", "AGENT", "TARGETS", "OTHER BUILDS", "ALREADY PATCHED",
                "READY",
            ]
        ]
        let become = Dictionary(uniqueKeysWithValues: start.hosts.map { ($0.name, $0) })
        let waveOf = Dictionary(
            uniqueKeysWithValues: start.waveNames.enumerated().flatMap { index, names in
                names.map { ($0, index + 1) }
            })
        for probe in probes {
            let already = probe.patchedProcesses.filter { process in
                process.patches.contains { $0.id == start.patch.id.rawValue && $0.contentHash == start.patch.sha256 }
            }.count
            rows.append([
                probe.host, waveOf[probe.host].map(String.init) ?? "-", probe.reachable ? "ok" : "FAILED",
                becomeText(become[probe.host], agentRan: probe.agentVersion != nil),
                probe.agentVersion ?? "-", probe.preflight.map { String($0.targets.count) } ?? "-",
                probe.preflight.map { String($0.otherBuilds.count) } ?? "-",
                probe.reachable ? String(already) : "-", probe.problems.isEmpty ? "yes" : "NO",
            ])
        }
        var text = "plan for patch \(start.patch.id) (sha256 \(start.patch.sha256.prefix(12)), "
        text += "target build-id \(start.patch.targetBuildID)); no process was touched\n"
        text += TextTable.render(rows)
        for probe in probes { text += hostLines(probe) }
        for (index, wave) in start.waveNames.enumerated() {
            text += "wave \(index + 1)\(index == 0 ? " (canary)" : ""): \(wave.joined(separator: ", "))\n"
        }
        return Terminal.escaped(text, multiline: true)
    }

    /// One host's verdict: `HOST: ready` or `HOST: would fail:` with a line per reason, then
    /// its targets and other builds (both by build-id). Escaped for a terminal (`rollout
    /// --preflight` prints these lines alone).
    static func hostLines(_ probe: HostProbe) -> String {
        Terminal.escaped(rawHostLines(probe), multiline: true)
    }

    private static func rawHostLines(_ probe: HostProbe) -> String {
        var text = probe.problems.isEmpty ? "\(probe.host): ready\n" : "\(probe.host): would fail:\n"
        for problem in probe.problems { text += "  - \(SummaryTable.oneLine(problem))\n" }
        guard let preflight = probe.preflight else { return text }
        for target in preflight.targets { text += "  target: \(processLine(target))\n" }
        for other in preflight.otherBuilds { text += "  other build: \(processLine(other))\n" }
        for warning in preflight.warnings { text += "  note: \(SummaryTable.oneLine(warning))\n" }
        let folder = preflight.uploadFolder
        let free = folder.freeBytes.map { "\($0 / 1_048_576) MiB free" } ?? "free space unknown"
        text += "  upload folder: \(SummaryTable.oneLine(folder.path)) (\(free))\n"
        return text
    }

    private static func processLine(_ process: PreflightProcess) -> String {
        SummaryTable.oneLine(
            "pid \(process.pid) \(process.module) build-id \(process.buildID) (exe \(process.executable), "
                + "start \(process.startTime))")
    }

    /// `sudo ok` when the agent ran through `sudo -n`, `no` when become is not set.
    private static func becomeText(_ host: HostAddress?, agentRan: Bool) -> String {
        guard let host, host.become else { return "no" }
        let user = host.becomeUser ?? "root"
        return agentRan ? "sudo \(user) ok" : "sudo \(user) ?"
    }

    /// The waves as one JSON line: `{"waves":[["web01"],["web02","web03"]]}`.
    package static func wavesJSON(_ start: RolloutStart) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try! encoder.encode(["waves": start.waveNames])
        return String(decoding: body, as: UTF8.self) + "\n"
    }
}
