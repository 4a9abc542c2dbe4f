/// What one run of `hotpatch-agent --json` printed: exactly one of these, on one line of stdout.
/// Versioned: fields are only ever added; a change in meaning bumps ``currentSchemaVersion``.
public struct AgentReport: Codable, Sendable, Equatable {
    /// The schema version this build writes.
    public static let currentSchemaVersion = 1

    /// The schema version of this report (``currentSchemaVersion`` when written by this build).
    public var schemaVersion: Int
    /// `HotpatchVersion.current` of the agent that wrote it.
    public var agentVersion: String
    /// The host name the agent ran on.
    public var host: String
    /// `apply`, `revert` or `status`.
    public var command: String
    /// The patch the command was about (nil for `status`).
    public var patchID: String?
    /// The agent's exit status, also as its name.
    public var exitCode: AgentExitCode
    /// A failure of the whole command (usage, bad patch, no target), or nil.
    public var message: String?
    /// One entry per target process.
    public var processes: [ProcessReport]
    /// For `apply`: who signed the patch, as the host's trust policy saw it (nil otherwise).
    public var signature: SignatureReport?
    /// For `preflight`: what would make `apply` fail on this host (nil otherwise).
    public var preflight: PreflightReport?

    /// Builds a report of the current schema version.
    public init(
        agentVersion: String, host: String, command: String, patchID: String?, exitCode: AgentExitCode,
        message: String?, processes: [ProcessReport], signature: SignatureReport? = nil,
        preflight: PreflightReport? = nil
    ) {
        self.schemaVersion = AgentReport.currentSchemaVersion
        self.agentVersion = agentVersion
        self.host = host
        self.command = command
        self.patchID = patchID
        self.exitCode = exitCode
        self.message = message
        self.processes = processes
        self.signature = signature
        self.preflight = preflight
    }
}
