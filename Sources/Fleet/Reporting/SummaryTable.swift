import Foundation

/// The final table of a rollout, one row per host, with each failure in one readable line.
enum SummaryTable {
    /// The table for `progress` (wave by wave).
    static func render(_ progress: RolloutProgress) -> String {
        var rows: [[String]] = [["HOST", "WAVE", "RESULT", "PROCS", "REVERT", "DETAIL"]]
        for name in progress.orderedNames {
            guard let state = progress.hosts[name] else { continue }
            rows.append([
                name, String(state.wave), result(of: state), processes(of: state), revert(of: state),
                detail(of: state),
            ])
        }
        return TextTable.render(rows)
    }

    /// The one-line totals under the table.
    static func totalsLine(_ totals: RolloutTotals) -> String {
        var parts = ["\(totals.hosts) hosts", "\(totals.patched) patched"]
        if totals.alreadyPatched > 0 { parts.append("\(totals.alreadyPatched) already patched") }
        if totals.noTarget > 0 { parts.append("\(totals.noTarget) without target") }
        parts.append("\(totals.failed) failed")
        parts.append("\(totals.unreachable) unreachable")
        if totals.reverted > 0 { parts.append("\(totals.reverted) reverted") }
        if totals.revertFailed > 0 { parts.append("\(totals.revertFailed) NOT reverted") }
        return parts.joined(separator: ", ")
    }

    private static func result(of state: RolloutProgress.HostState) -> String {
        switch state.apply {
        case .pending: return state.revert == .pending ? "not run" : "-"
        case .inDoubt: return "unknown"
        case .done:
            if let failure = state.checkFailure {
                return failure.unreachable ? "unreachable" : "check failed"
            }
            switch state.effectiveStatus {
            case .patched?: return "patched"
            case .alreadyPatched?: return "already patched"
            case .noTarget?: return "no target"
            case .failed?: return "failed"
            case .unreachable?: return "unreachable"
            case nil: return "-"
            }
        }
    }

    private static func processes(of state: RolloutProgress.HostState) -> String {
        if let reverted = state.revert.outcome, state.apply == .pending { return String(reverted.processes) }
        guard let outcome = state.apply.outcome else { return "-" }
        return String(outcome.processes)
    }

    private static func revert(of state: RolloutProgress.HostState) -> String {
        switch state.revert {
        case .pending: return "-"
        case .inDoubt: return "unknown"
        case .done(let outcome):
            switch outcome.status {
            case .reverted: return "reverted"
            case .notInPlace: return "not in place"
            case .failed: return "FAILED"
            case .unreachable: return "UNREACHABLE"
            }
        }
    }

    private static func detail(of state: RolloutProgress.HostState) -> String {
        let messages = [
            state.revert.outcome?.message, state.checkFailure?.message, state.apply.outcome?.message,
        ]
        return oneLine(messages.compactMap { $0 }.first ?? "")
    }

    /// Collapses whitespace and newlines so each host's error is one line of the table.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isNewline || $0 == "\t" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " | ")
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
enum TextTable {
    /// Renders rows (the first is the header) with a trailing newline per row. Every cell is
    /// shown through `Terminal.escaped` (host names, inventory values and host output are
    /// untrusted), before widths are measured so the columns stay aligned.
    static func render(_ rows: [[String]]) -> String {
        let rows = rows.map { $0.map { Terminal.escaped($0) } }
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var text = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                let isLast = index == row.count - 1
                line += isLast ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            text += line.trimmingTrailingSpaces() + "\n"
        }
        return text
    }
}

extension String {
    /// The string without trailing spaces.
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
