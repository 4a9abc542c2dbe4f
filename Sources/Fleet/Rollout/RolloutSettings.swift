/// Everything about how a rollout runs that `resume` must reuse exactly: recorded in the
/// journal's first event. Durations are seconds so the journal stays readable.
package struct RolloutSettings: Sendable, Codable, Equatable {
    /// Whether this run applies the patch or takes it out (`rollback PATCH -i`).
    package enum Kind: String, Sendable, Codable {
        /// `hotpatch rollout`: apply in waves, check, halt and revert over budget.
        case rollout
        /// `hotpatch rollback PATCH -i`: revert in waves wherever the patch is in place.
        case rollback
    }

    /// What this run does.
    package var kind: Kind = .rollout
    /// Hosts worked on at once.
    package var forks: Int = 50
    /// The failure budget as typed (`N` or `N%`).
    package var maxFailed: FailureBudget.Limit = .hosts(0)
    /// Count unreachable hosts against the budget too.
    package var unreachableFails: Bool = false
    /// The user's health check, run through `/bin/sh -c` on each host; nil for none.
    package var checkCommand: String? = nil
    /// How long one run of the check may take before it counts as failed.
    package var checkTimeoutSeconds: Double = 30
    /// Seconds between check rounds during the soak.
    package var checkIntervalSeconds: Double = 5
    /// Seconds to keep checking after each wave before the next one starts (0: one round).
    package var soakSeconds: Double = 0
    /// Revert what the rollout patched when it halts.
    package var rollbackOnHalt: Bool = true
    /// Seconds to wait for a TCP connect and SSH handshake.
    package var connectTimeoutSeconds: Double = 10
    /// Seconds one remote command (an agent run) may take.
    package var hostTimeoutSeconds: Double = 120
    /// The known_hosts file; nil for `~/.ssh/known_hosts`.
    package var knownHostsFile: String? = nil
    /// Trust and record unknown host keys (never changed ones).
    package var acceptNewHostKeys: Bool = false
    /// The agents' stop-the-world budget per process (`--max-pause`); nil keeps the agent's default.
    package var agentMaxPauseMicroseconds: Int? = nil
    /// How long each agent keeps looking for a safe point (`--safe-point-timeout`); nil keeps
    /// the agent's default.
    package var agentSafePointTimeoutMilliseconds: Int? = nil
    /// The upload folder on the hosts (`--remote-dir`); nil tries the default and its fallbacks.
    package var remoteDirectory: String? = nil

    /// Settings for a run of `kind`; everything else starts at its default and the commands'
    /// option groups set it.
    package init(
        kind: Kind = .rollout, checkCommand: String? = nil, checkTimeoutSeconds: Double = 30,
        checkIntervalSeconds: Double = 5, soakSeconds: Double = 0, rollbackOnHalt: Bool = true
    ) {
        self.kind = kind
        self.checkCommand = checkCommand
        self.checkTimeoutSeconds = checkTimeoutSeconds
        self.checkIntervalSeconds = checkIntervalSeconds
        self.soakSeconds = soakSeconds
        self.rollbackOnHalt = rollbackOnHalt
    }

    /// The agent arguments that carry the safe-point settings to `apply` and `revert`.
    package var agentSafePointArguments: [String] {
        (agentMaxPauseMicroseconds.map { ["--max-pause", "\($0)us"] } ?? [])
            + (agentSafePointTimeoutMilliseconds.map { ["--timeout", "\($0)ms"] } ?? [])
    }
}
