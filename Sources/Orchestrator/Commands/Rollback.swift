import ArgumentParser
import Fleet

extension Hotpatch {
    /// `hotpatch rollback PATCH -i INVENTORY` or `hotpatch rollback --rollout ID`.
    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Revert a patch everywhere it is in place (in waves), or undo exactly what one rollout did.",
            discussion: "Exit codes: 0 every host clean, 1 could not run, 4 halted over budget, "
                + "5 some hosts could not be reverted, 6 finished with failures within the budget, 64 usage error."
        )

        /// The patch to revert everywhere.
        @Argument(help: "The patch file to revert everywhere it is in place (with -i).")
        var patch: String?

        /// The rollout to undo.
        @Option(help: "Undo exactly what this rollout patched, newest wave first (no -i needed).")
        var rollout: String?

        @Option(name: [.customShort("i"), .long], help: "Ansible inventory file (INI or YAML).")
        var inventory: String?

        @Option(help: "Only hosts matching this Ansible pattern.")
        var limit: String?

        @OptionGroup var waves: WaveOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var safePoint: SafePointOptions
        @OptionGroup var journal: JournalOptions
        @OptionGroup var output: OutputOptions

        mutating func validate() throws {
            switch (patch, rollout, inventory) {
            case (nil, let id?, nil):
                guard RolloutID(id) != nil else {
                    throw ValidationError("--rollout '\(id)' is not a rollout id")
                }
            case (_?, nil, _?):
                break
            case (_?, _?, _), (nil, _?, _?):
                throw ValidationError("give either PATCH -i INVENTORY or --rollout ID, not both")
            default:
                throw ValidationError(
                    "give PATCH -i INVENTORY (revert everywhere) or --rollout ID (undo one rollout)")
            }
        }

        func run() throws {
            throw CommandFailure.exitCode {
                if let rollout, let id = RolloutID(rollout) {
                    return try RolloutLauncher.rollBack(
                        id, journalDirectory: journal.directory, json: output.json
                    )
                    .exitCode
                }
                var settings = RolloutSettings(kind: .rollback)
                safePoint.apply(to: &settings)
                let start = try RolloutStart.make(
                    patchPath: patch!, inventory: inventory!, limit: limit, waves: waves,
                    connection: connection, settings: settings)
                return try RolloutLauncher.start(start, journalDirectory: journal.directory, json: output.json)
                    .exitCode
            }
        }
    }
}
