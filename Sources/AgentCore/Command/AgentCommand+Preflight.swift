import Shared

extension AgentCommand {
    /// `preflight PATCH`: the report of ``Preflight``, read-only. Exit 0 when `apply` would find
    /// nothing in its way; otherwise the code of the first problem's kind (untrusted, no-target,
    /// permission, failed) and every problem in the report.
    func preflight() -> AgentReport {
        let found = Preflight(patchPath: options.patchPath!, neededBytes: options.neededBytes).run()
        let problems = found.report?.problems.joined(separator: "; ") ?? ""
        return AgentReport(
            agentVersion: HotpatchVersion.current, host: Syscalls.hostName, command: "preflight",
            patchID: nil, exitCode: found.exitCode,
            message: found.failure?.message ?? (problems.isEmpty ? nil : problems),
            processes: [], preflight: found.report)
    }
}
