import Foundation

/// `hotpatch status` and `hotpatch plan` output: a table for people, JSON Lines for programs
/// (one host object per line, the same ``HostProbe`` fields).
package enum FleetStatusReport {
    /// The fleet table: host, reachable, target processes, patches in place, drifted, detail.
    /// `oldBuildID` (the patch's target build, when a patch was given) names the ON DISK column's
    /// old build; the column shows only when some host reported a file.
    package static func table(_ probes: [HostProbe], oldBuildID: String? = nil) -> String {
        let disk = probes.contains { $0.filesOnDisk?.isEmpty == false }
        var rows = [
            ["HOST", "REACHABLE", "TARGETS", "PATCHED PROCS", "PATCHES IN PLACE", "DRIFTED"]
                + (disk ? ["ON DISK"] : []) + ["DETAIL"]
        ]
        for probe in probes {
            let inPlace = probe.patchesInPlace.sorted { $0.key < $1.key }.map { "\($0.key)(\($0.value))" }
            var row = [
                probe.host, probe.reachable ? "yes" : "no",
                probe.targetProcesses.map { String($0.count) } ?? "-",
                probe.reachable ? String(probe.patchedProcesses.count) : "-",
                inPlace.isEmpty ? "-" : inPlace.joined(separator: ","),
                probe.reachable ? String(probe.driftedProcesses) : "-",
                SummaryTable.oneLine(probe.error ?? ""),
            ]
            // ON DISK goes before DETAIL, which stays last (it is the long one).
            if disk {
                // Paths come from the host: untrusted text, shown on one line like DETAIL.
                let cell = DiskLines.cell(probe.filesOnDisk ?? [], oldBuildID: oldBuildID)
                row.insert(SummaryTable.oneLine(cell), at: row.count - 1)
            }
            rows.append(row)
        }
        return TextTable.render(rows)
    }

    /// The probes as JSON Lines.
    package static func jsonLines(_ probes: [HostProbe], oldBuildID: String? = nil) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return probes.map {
            String(
                decoding: try! encoder.encode(StatusLine(probe: $0, oldBuildID: oldBuildID)), as: UTF8.self)
                + "\n"
        }
        .joined()
    }

    /// One host as a program reads it: the probe plus the derived counts.
    private struct StatusLine: Encodable {
        let probe: HostProbe
        let oldBuildID: String?

        func encode(to encoder: Encoder) throws {
            try probe.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(probe.patchesInPlace, forKey: .patchesInPlace)
            try container.encode(probe.driftedProcesses, forKey: .drifted)
            if probe.preflight != nil || probe.error != nil {
                try container.encode(probe.problems.isEmpty, forKey: .ready)
                try container.encode(probe.problems, forKey: .problems)
            }
            // Path -> "old build", "fixed build", "neither" or "unreadable", beside the raw files.
            if let files = probe.filesOnDisk, !files.isEmpty {
                var kinds: [String: String] = [:]
                for file in files { kinds[file.path] = DiskLines.kind(file, oldBuildID: oldBuildID).rawValue }
                try container.encode(kinds, forKey: .onDisk)
            }
        }

        enum Key: String, CodingKey { case patchesInPlace, drifted, ready, problems, onDisk }
    }
}
