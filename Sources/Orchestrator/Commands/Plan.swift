import ArgumentParser
import Foundation

extension Hotpatch {
    /// `hotpatch plan PATCH -i INVENTORY`: the dry run that connects.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Dry run: connect to every host, run the agent's status, show the waves; change nothing.",
            discussion: """
                Checks host keys, authentication, become (the agent runs through sudo -n when \
                ansible_become is set), that the agent runs, the processes mapping the patch's \
                target module, which already run this patch, and the waves a rollout would use. \
                The agent and patch are placed in the private upload folder (as a rollout would); \
                no process is touched. Exit codes: 0 every host ready, 6 some host is not, \
                1 could not run, 64 usage.
                """)

        /// The patch file.
        @Argument(help: "The patch file (from hotpatch create).")
        var patch: String

        @OptionGroup var inventory: InventoryOptions
        @OptionGroup var waves: WaveOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            throw CommandFailure.exitCode {
                let plan = try RolloutStart.make(
                    patchPath: patch, inventory: inventory.inventory, limit: inventory.limit, waves: waves,
                    connection: connection, settings: RolloutSettings())
                let probes = FleetProbe.probe(
                    plan.hosts, connector: SSHHostConnector(settings: plan.settings),
                    agentPath: plan.agentPath,
                    patch: plan.patch, targetPath: try FleetSelection.targetPathHint(of: plan.patch.path),
                    forks: plan.settings.forks, timeout: .seconds(Int64(plan.settings.hostTimeoutSeconds)))
                let text =
                    output.json
                    ? FleetStatusReport.jsonLines(probes) + PlanReport.wavesJSON(plan)
                    : PlanReport.text(plan, probes: probes)
                FileHandle.standardOutput.write(Data(text.utf8))
                return probes.allSatisfy { $0.reachable && $0.error == nil }
                    ? .success : .completedWithFailures
            }
        }
    }
}
