import Shared

extension AgentCommand {
    /// `preflight PATCH`: the report of ``Preflight``, read-only. Exit 0 when `apply` would find
    /// nothing in its way; otherwise the code of the first problem's kind (untrusted, no-target,
    /// permission, failed) and every problem in the report.
    func preflight() -> AgentReport {
        let (found, failure) = Preflight(patchPath: options.patchPath!, neededBytes: options.neededBytes)
            .run()
        var exit = AgentExitCode.success
        if let failure {
            exit = failure.kind
        } else if let first = found?.problems.first {
            exit =
                first.hasPrefix("signature:")
                ? .untrusted
                : first.hasPrefix("targets:") ? .noTarget : first.hasPrefix("ptrace:") ? .permission : .failed
        }
        return AgentReport(
            agentVersion: HotpatchVersion.current, host: Syscalls.hostName, command: "preflight",
            patchID: nil, exitCode: exit,
            message: failure?.message ?? found?.problems.joined(separator: "; ").nonEmpty,
            processes: [], preflight: found)
    }
}

extension String {
    /// Nil for the empty string.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
