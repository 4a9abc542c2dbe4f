import FleetInventory

/// How a rollout starts (patch, hosts, waves, settings), enough to resume it without the
/// inventory. ("plan" is only the `plan` command, and `WavePlan` the hosts cut into waves.)
package struct RolloutStart: Sendable, Equatable {
    /// The patch file as given, with its identity (a changed file must not be resumed).
    package let patch: PatchRecord
    /// The local agent binary and its SHA-256.
    let agentPath: String
    /// The inventory file and the `--limit` pattern, for the record.
    let inventoryPath: String
    /// The `--limit` pattern, nil for all hosts.
    let limit: String?
    /// Every host, with how to reach it.
    let hosts: [HostAddress]
    /// The hosts of each wave, canary first (the journal records their names).
    let waves: [[HostAddress]]
    /// How the rollout runs.
    let settings: RolloutSettings
    /// `--persist`: the fixed build installed on each host after its live patch (nil: none).
    package var fixedBuild: FixedBuildRecord? = nil
    /// Every host by name, built once: how a name from a journaled event finds its host.
    private let hostsByName: [String: HostAddress]

    /// How a new run starts.
    package init(
        patch: PatchRecord, agentPath: String, inventoryPath: String, limit: String?, hosts: [HostAddress],
        waves: [[HostAddress]], settings: RolloutSettings, fixedBuild: FixedBuildRecord? = nil
    ) {
        self.patch = patch
        self.agentPath = agentPath
        self.inventoryPath = inventoryPath
        self.limit = limit
        self.hosts = hosts
        self.waves = waves
        self.settings = settings
        self.fixedBuild = fixedBuild
        hostsByName = Self.byName(hosts)
    }

    /// The host named `name`, nil when it is not in the rollout.
    func host(named name: String) -> HostAddress? { hostsByName[name] }

    /// The hosts of wave `number` (1-based), in inventory order; empty past the last wave.
    func wave(_ number: Int) -> [HostAddress] {
        number >= 1 && number <= waves.count ? waves[number - 1] : []
    }

    /// Host names per wave, as the journal and `plan --json` write them.
    package var waveNames: [[String]] { waves.map { $0.map(\.name) } }

    /// The inventory names are unique; should a damaged journal repeat one, its first entry wins.
    private static func byName(_ hosts: [HostAddress]) -> [String: HostAddress] {
        Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

// The journal records each wave as host names (`"waves":[["web01"],["web02","web03"]]`), as
// it always has; reading one maps the names back to the recorded hosts.
extension RolloutStart: Codable {
    private enum CodingKeys: String, CodingKey {
        case patch, agentPath, inventoryPath, limit, hosts, waves, settings, fixedBuild
    }

    /// Reads a recorded start; a wave naming a host missing from `hosts` is a damaged journal.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        patch = try container.decode(PatchRecord.self, forKey: .patch)
        agentPath = try container.decode(String.self, forKey: .agentPath)
        inventoryPath = try container.decode(String.self, forKey: .inventoryPath)
        limit = try container.decodeIfPresent(String.self, forKey: .limit)
        hosts = try container.decode([HostAddress].self, forKey: .hosts)
        settings = try container.decode(RolloutSettings.self, forKey: .settings)
        fixedBuild = try container.decodeIfPresent(FixedBuildRecord.self, forKey: .fixedBuild)
        let byName = Self.byName(hosts)
        hostsByName = byName
        waves = try container.decode([[String]].self, forKey: .waves).enumerated().map { index, names in
            try names.map { name in
                guard let host = byName[name] else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .waves, in: container,
                        debugDescription:
                            "wave \(index + 1) names host \(name), which is not among the rollout's hosts")
                }
                return host
            }
        }
    }

    /// Writes the start with each wave as host names.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(patch, forKey: .patch)
        try container.encode(agentPath, forKey: .agentPath)
        try container.encode(inventoryPath, forKey: .inventoryPath)
        try container.encodeIfPresent(limit, forKey: .limit)
        try container.encode(hosts, forKey: .hosts)
        try container.encode(waveNames, forKey: .waves)
        try container.encode(settings, forKey: .settings)
        try container.encodeIfPresent(fixedBuild, forKey: .fixedBuild)
    }
}
