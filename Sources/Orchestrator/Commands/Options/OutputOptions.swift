import ArgumentParser
import Fleet

/// `--json`: output for programs instead of people.
struct OutputOptions: ParsableArguments {
    /// JSON Lines instead of the human view.
    @Flag(help: "Print JSON Lines events (one object per line) instead of the human view.")
    var json = false
}

/// `--journal-dir`: where rollout journals live.
struct JournalOptions: ParsableArguments {
    /// The journal directory.
    @Option(help: "Folder of rollout journals (default: ~/.local/state/hotpatch/rollouts).")
    var journalDir: String?

    /// The directory to use.
    var directory: String { journalDir ?? RolloutJournal.defaultDirectory }
}
