import ArgumentParser
import Fleet
import FleetInventory
import Foundation
import SSH

extension Hotpatch {
    /// `hotpatch status -i INVENTORY`: what every host runs, read from the processes.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the fleet: reachable hosts, target processes, patches in place, drift.",
            discussion:
                "Exit codes: 0 every host reached and read, 6 some were not, 1 could not run, 64 usage.")

        /// Optional patch: adds the target-process count and uploads nothing else.
        @Argument(help: "A patch file: also count the processes mapping its target module.")
        var patch: String?

        @OptionGroup var inventory: InventoryOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            throw CommandFailure.exitCode {
                let hosts = try FleetSelection.hosts(inventory: inventory.inventory, limit: inventory.limit)
                var settings = RolloutSettings()
                settings.knownHostsFile = connection.knownHosts
                settings.acceptNewHostKeys = connection.acceptNew
                settings.connectTimeoutSeconds = connection.connectTimeout.seconds
                settings.remoteDirectory = connection.remoteDir
                let probes = FleetProbe.probe(
                    hosts.map(\.reach), connector: SSHHostConnector(settings: settings),
                    agentPath: try connection.agentPath(), patch: nil,
                    targetPath: try patch.map(FleetSelection.targetPathHint(of:)), forks: connection.forks,
                    timeout: .seconds(Int64(connection.hostTimeout.seconds)))
                let old = try patch.map { try FleetSelection.patch(at: $0).targetBuildID }
                let text =
                    output.json
                    ? FleetStatusReport.jsonLines(probes, oldBuildID: old)
                    : FleetStatusReport.table(probes, oldBuildID: old)
                FileHandle.standardOutput.write(Data(text.utf8))
                return probes.allSatisfy { $0.reachable && $0.error == nil }
                    ? .success : .completedWithFailures
            }
        }
    }
}
