import FleetInventory
import SSH

/// What every step of a rollout needs besides its progress: how to reach hosts, the local
/// files to push, and the settings recorded in the journal.
struct RolloutContext: Sendable {
    /// Opens connections (SSH).
    let connector: any HostConnector
    /// How the rollout started, as recorded in the journal's first event.
    let start: RolloutStart
    /// The failure budget parsed from the settings.
    let budget: FailureBudget

    /// The settings the rollout started with.
    var settings: RolloutSettings { start.settings }

    /// The hosts named in `names`, in that order. Names come from the progress, whose every
    /// host is in the start: the engine names only hosts of the waves, and reading a journal
    /// refuses a line that names any other.
    func hosts(named names: [String]) -> [HostAddress] {
        names.compactMap(start.host(named:))
    }

    /// Longest one agent run may take.
    var agentTimeout: Duration { .milliseconds(Int64(settings.hostTimeoutSeconds * 1000)) }

    /// The agent on `host`, over `connection`, with this rollout's timeout and safe-point settings.
    func agentClient(_ connection: any HostConnection, _ host: HostAddress) -> AgentClient {
        AgentClient(
            connection: connection, host: host, timeout: agentTimeout,
            safePointArguments: settings.agentSafePointArguments)
    }
    /// Puts the agent, the patch and (with `--persist`) the fixed build on the host in one go.
    func upload(_ agent: inout AgentClient) throws -> HostUpload {
        guard let fixed = start.fixedBuild else {
            return try agent.upload(agent: start.agentPath, patch: start.patch.path)
        }
        return try agent.upload(agent: start.agentPath, patch: start.patch.path, fixedBuild: fixed.path)
    }

    /// Longest one run of the user's check may take.
    var checkTimeout: Duration { .milliseconds(Int64(settings.checkTimeoutSeconds * 1000)) }
}
