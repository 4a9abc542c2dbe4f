import FleetInventory
import SSH

/// What every step of a rollout needs besides its progress: how to reach hosts, the local
/// files to push, and the settings recorded in the journal.
struct RolloutContext: Sendable {
    /// Opens connections (SSH).
    let connector: any HostConnector
    /// The plan, as recorded in the journal's first event.
    let plan: RolloutStart
    /// The failure budget parsed from the settings.
    let budget: FailureBudget

    /// The settings of the plan.
    var settings: RolloutSettings { plan.settings }

    /// The host named `name` (a caller bug when it is not in the plan).
    func host(_ name: String) -> HostAddress {
        guard let host = plan.hosts.first(where: { $0.name == name }) else {
            preconditionFailure("host \(name) is not in the rollout plan")
        }
        return host
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
        guard let fixed = plan.fixedBuild else {
            return try agent.upload(agent: plan.agentPath, patch: plan.patch.path)
        }
        return try agent.upload(agent: plan.agentPath, patch: plan.patch.path, fixedBuild: fixed.path)
    }

    /// Longest one run of the user's check may take.
    var checkTimeout: Duration { .milliseconds(Int64(settings.checkTimeoutSeconds * 1000)) }
}
