/// Whether one process may `PTRACE_SEIZE` another, as the kernel decides it
/// (`__ptrace_may_access`, commoncap's `cap_ptrace_access_check`, then Yama's
/// `yama_ptrace_access_check`): a pure function over plain values, proven by a table of cases.
///
/// The agent's targets are never its descendants, so Yama's scope 1 ("only a parent may
/// attach") has the same effect here as scope 2: CAP_SYS_PTRACE is needed.
enum PtraceRules {
    /// The decision for one tracer and (optionally) one target.
    enum Verdict: Equatable {
        /// The kernel would let the agent attach.
        case allowed
        /// It would not; the reason names the rule and the fix.
        case denied(String)
    }

    /// Decides for `agent` attaching to `target` under Yama `scope` (nil: no Yama). Without a
    /// target (none runs yet) only the rules that hold for any process are applied.
    static func verdict(
        scope: Int?, agent: ProcessCredentials, target: ProcessCredentials?, targetName: String = ""
    )
        -> Verdict
    {
        let fix = "run the agent as root with CAP_SYS_PTRACE (not in a container or service that drops it)"
        switch scope {
        case 3?:
            return .denied(
                "kernel.yama.ptrace_scope is 3: no process may attach on this host until it reboots with a lower value"
            )
        case 2?, 1?:
            guard agent.hasSysPtrace else {
                return .denied(
                    "kernel.yama.ptrace_scope is \(scope!) and the agent lacks CAP_SYS_PTRACE "
                        + "(CapEff \(hex(agent.capEff))); \(fix)")
            }
            return .allowed
        default:
            break
        }
        if agent.hasSysPtrace { return .allowed }
        guard let target else { return .allowed }
        let name = targetName.isEmpty ? "the target" : targetName
        // Without CAP_SYS_PTRACE the tracer must own the target (every uid and gid) ...
        let uid = agent.effectiveUID
        let gid = agent.gids.count > 1 ? agent.gids[1] : agent.gids.first ?? UInt32.max
        guard target.uids.prefix(3).allSatisfy({ $0 == uid }), target.gids.prefix(3).allSatisfy({ $0 == gid })
        else {
            return .denied(
                "the agent (uid \(uid)) lacks CAP_SYS_PTRACE and \(name) belongs to uid \(target.uids.first ?? 0); \(fix)"
            )
        }
        // ... and hold every capability the target may use.
        guard target.capPrm & ~agent.capPrm == 0 else {
            return .denied(
                "the agent lacks CAP_SYS_PTRACE (CapEff \(hex(agent.capEff))) and \(name) holds capabilities "
                    + "it does not (CapPrm \(hex(target.capPrm))); \(fix)")
        }
        return .allowed
    }

    /// A capability mask as /proc prints it (16 hex digits).
    static func hex(_ mask: UInt64) -> String {
        let digits = String(mask, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
