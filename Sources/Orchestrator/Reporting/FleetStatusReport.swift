import Foundation

/// `hotpatch status` and `hotpatch plan` output: a table for people, JSON Lines for programs
/// (one host object per line, the same ``HostProbe`` fields).
enum FleetStatusReport {
    /// The fleet table: host, reachable, target processes, patches in place, drifted, detail.
    static func table(_ probes: [HostProbe]) -> String {
        var rows = [
            ["HOST", "REACHABLE", "TARGETS", "PATCHED PROCS", "PATCHES IN PLACE", "DRIFTED", "DETAIL"]
        ]
        for probe in probes {
            let inPlace = probe.patchesInPlace.sorted { $0.key < $1.key }.map { "\($0.key)(\($0.value))" }
            rows.append([
                probe.host, probe.reachable ? "yes" : "no",
                probe.targetProcesses.map { String($0.count) } ?? "-",
                probe.reachable ? String(probe.patchedProcesses.count) : "-",
                inPlace.isEmpty ? "-" : inPlace.joined(separator: ","),
                probe.reachable ? String(probe.driftedProcesses) : "-",
                SummaryTable.oneLine(probe.error ?? ""),
            ])
        }
        return TextTable.render(rows)
    }

    /// The probes as JSON Lines.
    static func jsonLines(_ probes: [HostProbe]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return probes.map {
            String(decoding: try! encoder.encode(StatusLine(probe: $0)), as: UTF8.self) + "\n"
        }
        .joined()
    }

    /// One host as a program reads it: the probe plus the derived counts.
    private struct StatusLine: Encodable {
        let probe: HostProbe

        func encode(to encoder: Encoder) throws {
            try probe.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(probe.patchesInPlace, forKey: .patchesInPlace)
            try container.encode(probe.driftedProcesses, forKey: .drifted)
            if probe.preflight != nil || probe.error != nil {
                try container.encode(probe.problems.isEmpty, forKey: .ready)
                try container.encode(probe.problems, forKey: .problems)
            }
        }

        enum Key: String, CodingKey { case patchesInPlace, drifted, ready, problems }
    }
}
