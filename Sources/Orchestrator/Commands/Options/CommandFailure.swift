import ArgumentParser
import Foundation

/// How fleet commands end: a result's exit code, or a setup error printed to stderr with
/// exit code 1 (usage errors are ArgumentParser's, 64).
enum CommandFailure {
    /// Runs `body`; prints any error it throws as one line and exits 1.
    static func exitCode(_ body: () throws -> HotpatchExitCode) -> ExitCode {
        do {
            return ExitCode(try body().rawValue)
        } catch {
            // Errors quote hosts, inventories and files: shown escaped, never obeyed by the terminal.
            let line = Terminal.escaped("hotpatch: \(error)", multiline: true) + "\n"
            FileHandle.standardError.write(Data(line.utf8))
            return ExitCode(HotpatchExitCode.failure.rawValue)
        }
    }
}

extension RolloutStart {
    /// The plan of a new run: patch identity, selected hosts, waves and settings.
    static func make(
        patchPath: String, inventory: String, limit: String?, waves: WaveOptions,
        connection: ConnectionOptions,
        settings: RolloutSettings
    ) throws -> RolloutStart {
        let patch = try FleetSelection.patch(at: patchPath)
        let hosts = try FleetSelection.hosts(inventory: inventory, limit: limit)
        var settings = settings
        settings.forks = connection.forks
        settings.maxFailed = waves.maxFailed
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
            hosts: hosts.map(RolloutHost.init), waves: try FleetSelection.waves(hosts, spec: waves.waves),
            settings: settings)
    }
}
