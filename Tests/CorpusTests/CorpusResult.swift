/// What one case did: one row of the corpus table, and the failures behind its verdict.
struct CorpusResult: Sendable {
    /// The case's name.
    let name: String
    /// `c` or `c++` (`?` when case.txt could not be read).
    var lang = "?"
    /// The case's `included:` set, sorted and joined (or the expected refusal).
    var expected = ""
    /// What create printed as `included:` (or `refused` / `-`).
    var created = "-"
    /// `ok`, `refused`, `FAIL` or `-` (not reached).
    var apply = "-"
    /// Whether `after` was seen (`ok`, `FAIL`, `-`).
    var newSeen = "-"
    /// `ok`, `FAIL` or `-`.
    var revert = "-"
    /// Whether `before` was seen after revert (`ok`, `FAIL`, `-`).
    var oldBack = "-"
    /// How long the case took, build included (seconds, one decimal).
    var seconds = "-"
    /// Set when the case is pending on another room (`room: why`).
    var pending: String?
    /// Every check that failed, in order.
    var failures: [CorpusStepError] = []

    /// `pass`, `FAIL` or `pending`.
    var verdict: String { pending != nil ? "pending" : failures.isEmpty ? "pass" : "FAIL" }

    /// Records a failed check.
    mutating func fail(_ step: CorpusStep, _ message: String) {
        failures.append(CorpusStepError(step: step, message: message))
    }
}

/// The corpus table for people: one row per case, then the totals and the pending reasons.
enum CorpusTable {
    /// The table's text.
    static func render(_ results: [CorpusResult]) -> String {
        let header = [
            "case", "lang", "expected included", "create included", "apply", "new seen", "revert",
            "old back", "verdict", "secs",
        ]
        let rows = results.map {
            [
                $0.name, $0.lang, $0.expected, $0.created, $0.apply, $0.newSeen, $0.revert, $0.oldBack,
                $0.verdict,
                $0.seconds,
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { min($0[column].count, 40) }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let clipped = cell.count > 40 ? String(cell.prefix(39)) + "~" : cell
                return clipped.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var text = ([header] + rows).map(line).joined(separator: "\n")
        let passed = results.filter { $0.verdict == "pass" }.count
        let failed = results.filter { $0.verdict == "FAIL" }.count
        let pending = results.filter { $0.pending != nil }
        text += "\n\(results.count) cases: \(passed) pass, \(failed) FAIL, \(pending.count) pending"
        for result in pending {
            text += "\npending \(result.name): \(result.pending!)"
        }
        return text
    }
}
