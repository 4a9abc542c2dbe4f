import ArgumentParser
import Fleet
import Foundation

extension Hotpatch {
    /// `hotpatch plan PATCH -i INVENTORY`: the dry run that connects.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Dry run: connect to every host, run the agent's read-only preflight, show the waves.",
            discussion: """
                Checks host keys, authentication, become (the agent runs through sudo -n when \
                ansible_become is set), that the agent runs there (x86-64, kernel 3.2 or later, an \
                upload folder that allows exec), the processes mapping the patch's target build-id \
                and those running another build of the same file, whether ptrace is allowed \
                (Yama ptrace_scope, CAP_SYS_PTRACE, owners), free space, and whether the host's \
                trusted-keys policy accepts the patch; then the waves a rollout would use. \
                The agent and patch are placed in the private upload folder (as a rollout would); \
                no process is touched. --json: one object per host (ready, problems, preflight), \
                then the waves. Exit codes: 0 every host ready, 6 some host is not, \
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
                let start = try RolloutStart.make(
                    patchPath: patch, inventory: inventory.inventory, limit: inventory.limit, waves: waves,
                    connection: connection, settings: RolloutSettings())
                let probes = FleetPreflight.probe(start)
                let text =
                    output.json
                    ? FleetStatusReport.jsonLines(probes) + PlanReport.wavesJSON(start)
                    : PlanReport.text(start, probes: probes)
                FileHandle.standardOutput.write(Data(text.utf8))
                return probes.allSatisfy { $0.problems.isEmpty } ? .success : .completedWithFailures
            }
        }
    }
}
