import FleetInventory
import SSH
import Shared

/// The steps the engine takes on one host, each on a worker thread over the host's pooled
/// connection (one per host for the whole run).
/// Failures become recorded outcomes, never thrown: one host's trouble is the budget's
/// business, not a reason to stop the others. Only a broken journal stops everything (the
/// sink remembers it and the engine checks after the pool).
extension RolloutEngine {
    /// Apply on one host: upload, record intent, run the agent, record the outcome. With
    /// `askFirst` (its apply was interrupted by a coordinator crash), the agent's status is
    /// asked first and a host that already runs the patch is recorded, not patched again.
    func applyHost(_ host: HostAddress, wave: Int, askFirst: Bool) {
        let name = host.name
        // A host already in doubt may run the patch whatever happens next, so a failure from
        // here on must keep it on the list of hosts a halt reverts.
        var intentRecorded = askFirst
        do {
            try connections.withConnection(to: host) { connection in
                var agent = context.agentClient(connection, host)
                // Upload: content-addressed, so a host that has both files receives no bytes.
                try sink.emit(.uploaded(try context.upload(&agent)))
                // Resume: the last coordinator may have patched this host before it died.
                if askFirst {
                    let inPlace = AgentVerdict.processesWithPatch(
                        try agent.status(), patch: context.start.patch)
                    if !inPlace.isEmpty {
                        // With --persist the disk may not have its fixed build yet: apply again,
                        // which changes no process (already applied) and installs what is missing.
                        let files = context.start.fixedBuild == nil ? nil : try agent.apply().files
                        let outcome = ApplyOutcome(
                            status: .patched, processes: inPlace.count, targets: inPlace, files: files)
                        try sink.emit(
                            .applied(
                                HostApplied(host: name, wave: wave, outcome: outcome, confirmedOnResume: true)
                            ))
                        return
                    }
                }
                // Intent first, durably: a crash from here on leaves the host "in doubt".
                try sink.emit(.applyIntent(HostStep(host: name, wave: wave)))
                intentRecorded = true
                let outcome = AgentVerdict.apply(try agent.apply())
                try sink.emit(.applied(HostApplied(host: name, wave: wave, outcome: outcome)))
            }
        } catch is RolloutJournalError {
            return
        } catch {
            var outcome = Self.outcome(of: error, afterIntent: intentRecorded)
            // The connection broke before any agent ran (sshd killed mid-upload, host gone): if
            // the host now refuses a new connection too, it is unreachable, not failed.
            if !intentRecorded, outcome.status == .failed, error is HostConnectionError {
                do throws(HostConnectionError) {
                    try context.connector.connect(to: host).close()
                } catch let refusal where refusal.phase.meansUnreachable {
                    outcome = ApplyOutcome(
                        status: .unreachable,
                        message: (outcome.message ?? "") + "; then reconnecting: " + refusal.message)
                } catch {}
            }
            try? sink.emit(.applied(HostApplied(host: name, wave: wave, outcome: outcome)))
        }
    }

    /// Revert on one host: record intent, upload, run the agent's revert, record the outcome.
    func revertHost(_ host: HostAddress, wave: Int) {
        let name = host.name
        do {
            try sink.emit(.revertIntent(HostStep(host: name, wave: wave)))
            let outcome = try connections.withConnection(to: host) { connection in
                var agent = context.agentClient(connection, host)
                _ = try agent.upload(agent: context.start.agentPath, patch: context.start.patch.path)
                return AgentVerdict.revert(try agent.revert())
            }
            try sink.emit(.reverted(HostReverted(host: name, wave: wave, outcome: outcome)))
        } catch is RolloutJournalError {
            return
        } catch {
            let unreachable = (error as? HostConnectionError)?.phase.meansUnreachable == true
            let outcome = RevertOutcome(
                status: unreachable ? .unreachable : .failed, message: SummaryTable.oneLine("\(error)"))
            try? sink.emit(.reverted(HostReverted(host: name, wave: wave, outcome: outcome)))
        }
    }

    /// One health check of one host: the agent's status for every process this rollout
    /// patched there, then the user's `--check` command. Nil when healthy.
    func checkHost(_ host: HostAddress) -> HostFailure? {
        let name = host.name
        let expected = sink.progress.hosts[name]?.apply.outcome?.targets ?? []
        do {
            return try connections.withConnection(to: host) { connection -> HostFailure? in
                var agent = context.agentClient(connection, host)
                // Free on the connection that uploaded it (verified then); a new connection
                // checks the agent's hash on the host before it runs as root.
                try agent.uploadAgent(context.start.agentPath)
                if let problem = AgentVerdict.check(
                    try agent.status(), expected: expected, patch: context.start.patch)
                {
                    return HostFailure(host: name, unreachable: false, message: "built-in check: " + problem)
                }
                guard let command = context.settings.checkCommand else { return nil }
                let result = try connection.run(
                    ["/bin/sh", "-c", command], become: false, becomeUser: nil, timeout: context.checkTimeout)
                guard result.status != 0 else { return nil }
                return HostFailure(
                    host: name, unreachable: false, message: Self.checkFailure(result))
            }
        } catch let error as HostConnectionError where error.isFlood {
            // The check runs as `/bin/sh -c`; the user knows it as --check.
            let said = error.message.replacingOccurrences(of: "`/bin/sh` printed", with: "printed")
            return HostFailure(host: name, unreachable: false, message: "--check " + said)
        } catch let error as HostConnectionError {
            let what = error.isTimeout && error.phase == .exec ? "--check timed out: " : ""
            return HostFailure(
                host: name, unreachable: error.phase.meansUnreachable, message: what + error.description)
        } catch {
            return HostFailure(host: name, unreachable: false, message: SummaryTable.oneLine("\(error)"))
        }
    }

    /// One line for a check that exited non-zero: its status and what it said (stderr, else
    /// stdout), the first 200 and last 100 bytes with the count of those between.
    static func checkFailure(_ result: CommandResult) -> String {
        let said = result.stderrCapture.totalBytes > 0 ? result.stderrCapture : result.stdoutCapture
        let output = SummaryTable.oneLine(said.excerpt(head: 200, tail: 100).text)
        return "--check exited \(result.status)\(output.isEmpty ? "" : ": " + output)"
    }

    /// The outcome recorded for an apply that threw. A connection that broke after the agent
    /// started may have left the patch in place, so the outcome says so (a halt reverts it).
    static func outcome(of error: any Error, afterIntent: Bool) -> ApplyOutcome {
        let message = SummaryTable.oneLine("\(error)")
        if let error = error as? HostConnectionError, error.phase.meansUnreachable {
            return ApplyOutcome(status: .unreachable, message: message, mayBeInPlace: afterIntent)
        }
        return ApplyOutcome(status: .failed, message: message, mayBeInPlace: afterIntent)
    }
}
