import Shared

/// Runs one parsed command and produces its report: the part of the agent between the command
/// line and the reporters. Each subcommand is a short sequence of named steps.
package struct AgentCommand {
    /// The parsed command line.
    let options: AgentOptions
    /// What the command's process-wide parts share: state folder, failpoints, stops, guardian.
    let session: AgentSession

    /// A command to run as `options` say.
    package init(options: AgentOptions) {
        self.options = options
        session = AgentSession(stateDirectory: options.stateDirectory)
    }

    /// Runs the command; never throws: every failure becomes part of the report.
    package func run() -> AgentReport {
        switch options.command {
        case .apply: return apply()
        case .revert: return revert()
        case .status: return status()
        case .preflight: return preflight()
        }
    }

    private var limits: SafePointSwitch.Limits {
        SafePointSwitch.Limits(
            timeoutNanoseconds: options.timeoutNanoseconds, maxPauseMicroseconds: options.maxPauseMicroseconds
        )
    }

    private func apply() -> AgentReport {
        // Load and check the patch before touching any process; the host's trust policy
        // decides first, and a refusal touches nothing.
        let trusted: PatchLoader.Trusted
        do {
            trusted = try PatchLoader.loadForApply(options.patchPath!)
        } catch {
            return finished(patchID: nil, processes: [], failure: error)
        }
        var report = apply(trusted.patch)
        report.signature = trusted.signature
        return report
    }

    private func apply(_ patch: PatchFile) -> AgentReport {
        let found = TargetSelector(selection: options.selection).processes(mapping: patch.targetBuildID)
        if let empty = noTarget(
            found, what: "maps build-id \(patch.targetBuildID.hex) (\(patch.targetPathHint))")
        {
            return finished(patchID: patch.id.rawValue, processes: found.failures, failure: empty)
        }
        let journal: Journal
        do {
            journal = try Journal(directory: options.stateDirectory)
        } catch {
            return finished(patchID: patch.id.rawValue, processes: found.failures, failure: error)
        }
        // Apply to each process in turn; one failing never stops the others.
        var reports = found.failures
        var persistTargets: [PersistTarget] = []
        for process in found.targets {
            let fields =
                journalFields(process, patchID: patch.id.rawValue) + [("hash", patch.contentHash.hex)]
            journal.record("apply-begin", fields)
            do {
                let report = try ProcessApplier(process: process, patch: patch, limits: limits, session: session).apply()
                reports.append(report)
                journal.record("apply-end", fields + outcomeFields(report))
                // The file this process was started from: where a fixed build would go.
                if options.persistPath != nil, let target = persistTarget(process, patch: patch),
                    !persistTargets.contains(target)
                {
                    persistTargets.append(target)
                }
            } catch {
                let report = failedReport(process, error)
                reports.append(report)
                journal.record("apply-end", fields + outcomeFields(report))
            }
        }
        // Persist after the live patch: only the files of processes that now run the fix.
        guard let fixed = options.persistPath else {
            return finished(patchID: patch.id.rawValue, processes: reports, failure: nil)
        }
        let (files, failure) = persist(fixed, at: persistTargets, patch: patch, journal: journal)
        return finished(patchID: patch.id.rawValue, processes: reports, failure: failure, files: files)
    }

    private func revert() -> AgentReport {
        let patchID: String
        if let id = options.patchID {
            patchID = id
        } else {
            do {
                patchID = try PatchLoader.load(options.patchPath!).id.rawValue
            } catch {
                return finished(patchID: nil, processes: [], failure: error)
            }
        }
        let found = TargetSelector(selection: options.selection).processes(mapping: nil, holding: patchID)
        let journal: Journal
        do {
            journal = try Journal(directory: options.stateDirectory)
        } catch {
            return finished(patchID: patchID, processes: found.failures, failure: error)
        }
        var reports = found.failures
        for process in found.targets {
            let fields = journalFields(process, patchID: patchID)
            journal.record("revert-begin", fields)
            do {
                let report = try ProcessReverter(process: process, patchID: patchID, limits: limits, session: session).revert()
                reports.append(report)
                journal.record("revert-end", fields + outcomeFields(report))
            } catch {
                let report = failedReport(process, error)
                reports.append(report)
                journal.record("revert-end", fields + outcomeFields(report))
            }
        }
        // The file on disk goes back only when no process is left running the patch.
        var files: [DiskFileReport]? = nil
        if !reports.contains(where: { $0.outcome == .failed }) {
            let (restored, failure) = restore(patchID: patchID, journal: journal)
            files = restored.isEmpty ? nil : restored
            if let failure {
                return finished(patchID: patchID, processes: reports, failure: failure, files: files)
            }
        }
        if found.targets.isEmpty, let empty = noTarget(found, what: "holds patch \(patchID)") {
            // Nothing to revert in memory; a restored file still counts as done.
            if files?.isEmpty == false {
                return finished(patchID: patchID, processes: reports, failure: nil, files: files)
            }
            return finished(patchID: patchID, processes: reports, failure: empty)
        }
        return finished(patchID: patchID, processes: reports, failure: nil, files: files)
    }

    private func status() -> AgentReport {
        let found = TargetSelector(selection: options.selection).processes(mapping: nil)
        var reports = found.failures
        for process in found.targets {
            do {
                reports.append(try ProcessInspector.inspect(process))
            } catch {
                reports.append(failedReport(process, error))
            }
        }
        return finished(patchID: nil, processes: reports, failure: nil, files: filesOnDisk())
    }

    private func noTarget(_ found: TargetSelector.Selection, what: String) -> AgentFailure? {
        guard found.targets.isEmpty, found.failures.isEmpty else { return nil }
        let hint =
            found.unreadable > 0
            ? " (\(found.unreadable) processes could not be read: run as root to see them all)" : ""
        return AgentFailure(.noTarget, "no process on this host \(what)\(hint)")
    }

    private func failedReport(_ process: TargetProcess, _ failure: AgentFailure) -> ProcessReport {
        ProcessReport(
            pid: process.pid, startTime: process.identity.startTime, executable: process.executable,
            outcome: .failed,
            error: failure.processError)
    }

    private func journalFields(_ process: TargetProcess, patchID: String) -> [(String, String)] {
        [
            ("patch", patchID), ("pid", "\(process.pid)"), ("start", "\(process.identity.startTime)"),
            ("exe", process.executable),
        ]
    }

    private func outcomeFields(_ report: ProcessReport) -> [(String, String)] {
        var fields = [("outcome", report.outcome.rawValue)]
        if let pause = report.pauseMicroseconds { fields.append(("pause_us", "\(pause)")) }
        if let attempts = report.attempts { fields.append(("attempts", "\(attempts)")) }
        if let error = report.error { fields += [("error", error.kind.name), ("message", error.message)] }
        return fields
    }

    private func finished(
        patchID: String?, processes: [ProcessReport], failure: AgentFailure?, files: [DiskFileReport]? = nil
    ) -> AgentReport {
        AgentReport(
            agentVersion: HotpatchVersion.current, host: Syscalls.hostName, command: options.command.rawValue,
            patchID: patchID, exitCode: AgentCommand.exitCode(processes, failure: failure),
            message: failure?.message,
            processes: processes, files: files)
    }

    /// The exit code for a set of per-process results and an optional whole-command failure.
    static func exitCode(_ processes: [ProcessReport], failure: AgentFailure?) -> AgentExitCode {
        if let failure { return failure.kind }
        let failed = processes.compactMap(\.error?.kind)
        if failed.isEmpty { return .success }
        if failed.count < processes.count { return .partial }
        return Set(failed).count == 1 ? failed[0] : .failed
    }
}
