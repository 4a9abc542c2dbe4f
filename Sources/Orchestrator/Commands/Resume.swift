import ArgumentParser
import Fleet

extension Hotpatch {
    /// `hotpatch resume ROLLOUT_ID`: continue a rollout that was interrupted.
    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Continue an interrupted rollout from its journal, never patching a host twice.")

        /// The rollout to continue.
        @Argument(help: "The rollout id (printed at the start, and the journal's file name).")
        var rolloutID: String

        @OptionGroup var journal: JournalOptions
        @OptionGroup var output: OutputOptions

        mutating func validate() throws {
            guard RolloutID(rolloutID) != nil else {
                throw ValidationError(
                    "'\(rolloutID)' is not a rollout id; list them with ls \(journal.directory)")
            }
        }

        func run() throws {
            throw CommandFailure.exitCode {
                try RolloutLauncher.resume(
                    RolloutID(rolloutID)!, journalDirectory: journal.directory, json: output.json
                ).exitCode
            }
        }
    }
}
