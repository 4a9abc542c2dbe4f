/// How `hotpatch-agent` ended: its process exit status, and the `exitCode` of its JSON report.
/// The coordinator decides retry, halt or revert from this alone, so every failure a user acts on
/// differently has its own code.
public enum AgentExitCode: Int32, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Everything asked for was done (or was already so).
    case success = 0
    /// A failure none of the codes below names (an I/O error, an unexpected kernel answer).
    case failed = 1
    /// No process matched the selection (no such pid, nothing maps the target module).
    case noTarget = 3
    /// The process runs a different build than the patch was made for (build-id or bytes differ).
    case targetMismatch = 4
    /// The patch file is unreadable, malformed or of an unknown version.
    case badPatch = 5
    /// No safe point was found before `--timeout`, or the pause would exceed `--max-pause`.
    case noSafePoint = 6
    /// The agent may not trace or read the process (run as root or the owner with CAP_SYS_PTRACE).
    case permission = 7
    /// Several targets: some succeeded, some failed (see each process's entry).
    case partial = 8
    /// The target process exited while the agent worked on it.
    case processExited = 9
    /// The agent refused because of patches in place (a later patch builds on the one to revert).
    case refused = 10
    /// The patch is not trusted on this host: unsigned, tampered with or signed by a key not in
    /// `/etc/hotpatch/trusted-keys`; the patch file is writable by others; or the trust policy
    /// itself is unsafe. Nothing was touched.
    case untrusted = 11
    /// The command line is wrong.
    case usage = 64

    /// A short stable name (`no-safe-point`), for people and logs.
    public var name: String {
        switch self {
        case .success: return "success"
        case .failed: return "failed"
        case .noTarget: return "no-target"
        case .targetMismatch: return "target-mismatch"
        case .badPatch: return "bad-patch"
        case .noSafePoint: return "no-safe-point"
        case .permission: return "permission"
        case .partial: return "partial"
        case .processExited: return "process-exited"
        case .refused: return "refused"
        case .untrusted: return "untrusted"
        case .usage: return "usage"
        }
    }

    /// The short name (see ``name``).
    public var description: String { name }
}
