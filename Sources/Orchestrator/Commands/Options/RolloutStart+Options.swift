import Fleet
import Foundation

extension RolloutStart {
    /// How a new run starts: patch identity, selected hosts, waves and settings.
    static func make(
        patchPath: String, inventory: String, limit: String?, waves: WaveOptions,
        connection: ConnectionOptions,
        settings: RolloutSettings
    ) throws -> RolloutStart {
        let patch = try FleetSelection.patch(at: patchPath)
        let hosts = try FleetSelection.hosts(inventory: inventory, limit: limit)
        var settings = settings
        settings.forks = connection.forks
        let (schedule, maxFailed) = try waves.parsed()
        settings.maxFailed = maxFailed
        settings.unreachableFails = waves.unreachableFails
        settings.connectTimeoutSeconds = connection.connectTimeout.seconds
        settings.hostTimeoutSeconds = connection.hostTimeout.seconds
        settings.knownHostsFile = connection.knownHosts.map {
            URL(fileURLWithPath: $0).standardizedFileURL.path
        }
        settings.acceptNewHostKeys = connection.acceptNew
        settings.remoteDirectory = connection.remoteDir
        return RolloutStart(
            patch: patch, agentPath: try connection.agentPath(),
            inventoryPath: URL(fileURLWithPath: inventory).standardizedFileURL.path, limit: limit,
            hosts: hosts.map(\.reach), waves: FleetSelection.waves(hosts, schedule: schedule),
            settings: settings)
    }
}
