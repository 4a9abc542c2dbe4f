import Shared

/// How the engine reads the agent's typed reports: pure functions from ``AgentReport`` to
/// the rollout's outcomes, so every mapping is table-tested without a host.
enum AgentVerdict {
    /// The outcome of `hotpatch-agent apply PATCH --all --json`.
    static func apply(_ report: AgentReport) -> ApplyOutcome {
        var outcome = liveApply(report)
        outcome.files = report.files
        return outcome
    }

    /// The live half of an apply. A fixed build refused or failed on disk while every process
    /// took the patch leaves the host patched: the agent's exit code then speaks of the disk,
    /// so it is read from the processes instead, and the disk's message is kept.
    private static func liveApply(_ report: AgentReport) -> ApplyOutcome {
        let diskOnly =
            report.files?.contains { !$0.action.isSuccess } == true && !report.processes.isEmpty
            && !report.processes.contains { $0.outcome == .failed }
        if diskOnly {
            var live = report
            live.exitCode = .success
            let outcome = apply(processesOf: live)
            return ApplyOutcome(
                status: outcome.status, processes: outcome.processes,
                message: "fixed build not installed: " + (report.message ?? "see the files"),
                targets: outcome.targets)
        }
        return apply(processesOf: report)
    }

    private static func apply(processesOf report: AgentReport) -> ApplyOutcome {
        let applied = report.processes.filter { $0.outcome == .applied }
        let already = report.processes.filter { $0.outcome == .alreadyApplied }
        let inPlace = (applied + already).map { ProcessIdentity(pid: $0.pid, startTime: $0.startTime) }
        switch report.exitCode {
        case .success where !applied.isEmpty:
            return ApplyOutcome(status: .patched, processes: inPlace.count, targets: inPlace)
        case .success where !already.isEmpty:
            return ApplyOutcome(status: .alreadyPatched, processes: inPlace.count, targets: inPlace)
        case .success, .noTarget:
            return ApplyOutcome(
                status: .noTarget, message: report.message ?? "no process maps the patch's target build")
        default:
            // Partial failures keep the processes that did take the patch, so a halt reverts them.
            return ApplyOutcome(
                status: .failed, processes: inPlace.count, message: failureMessage(report), targets: inPlace)
        }
    }

    /// The outcome of `hotpatch-agent revert PATCH --all --json`.
    static func revert(_ report: AgentReport) -> RevertOutcome {
        var outcome = liveRevert(report)
        outcome.files = report.files
        return outcome
    }

    private static func liveRevert(_ report: AgentReport) -> RevertOutcome {
        let reverted = report.processes.filter { $0.outcome == .reverted }.count
        if report.exitCode == .success, report.files?.contains(where: { $0.action == .restored }) == true {
            return RevertOutcome(status: .reverted, processes: reverted)
        }
        switch report.exitCode {
        case .success where reverted > 0:
            return RevertOutcome(status: .reverted, processes: reverted)
        case .success, .noTarget:
            return RevertOutcome(status: .notInPlace)
        default:
            return RevertOutcome(status: .failed, processes: reverted, message: failureMessage(report))
        }
    }

    /// The built-in check after a wave, from `hotpatch-agent status PATCH --all --json`: every
    /// process the apply patched is still the same process (pid and start time) and still has
    /// this patch active (not drifted, not gone). Nil when healthy, else what is wrong.
    static func check(_ report: AgentReport, expected: [ProcessIdentity], patch: PatchRecord) -> String? {
        guard report.exitCode == .success || report.exitCode == .noTarget else {
            return "agent status failed: " + failureMessage(report)
        }
        var problems: [String] = []
        for identity in expected {
            guard let process = report.processes.first(where: { $0.pid == identity.pid }) else {
                problems.append(
                    "pid \(identity.pid) no longer holds a patch (exited, or reverted by someone)")
                continue
            }
            guard process.startTime == identity.startTime else {
                problems.append(
                    "pid \(identity.pid) restarted (start time \(identity.startTime) -> \(process.startTime))"
                )
                continue
            }
            let mine = process.patches.filter { $0.id == patch.id.rawValue && $0.contentHash == patch.sha256 }
            if mine.isEmpty {
                problems.append("pid \(identity.pid) no longer has patch \(patch.id) in place")
            } else if let odd = mine.first(where: { $0.state != .active }) {
                problems.append("pid \(identity.pid): patch \(patch.id) is \(odd.state.rawValue)")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The processes of a `status` report that have this patch active: what resume learns about
    /// a host whose apply was interrupted.
    static func processesWithPatch(_ report: AgentReport, patch: PatchRecord) -> [ProcessIdentity] {
        report.processes.filter { process in
            process.patches.contains {
                $0.id == patch.id.rawValue && $0.contentHash == patch.sha256 && $0.state == .active
            }
        }.map { ProcessIdentity(pid: $0.pid, startTime: $0.startTime) }
    }

    /// One line: the agent's message, else the first process error, with the exit code's name.
    static func failureMessage(_ report: AgentReport) -> String {
        let processErrors = report.processes.compactMap { process in
            process.error.map { "pid \(process.pid): \($0.message)" }
        }
        let detail = report.message ?? processErrors.first ?? "no message"
        let more = processErrors.count > 1 ? " (+\(processErrors.count - 1) more processes failed)" : ""
        return "\(report.exitCode.name): \(detail)\(more)"
    }
}
