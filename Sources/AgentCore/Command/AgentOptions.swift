import Shared

/// The parsed command line of `hotpatch-agent`.
package struct AgentOptions: Equatable {
    /// The subcommand.
    package enum Command: String, Equatable {
        case apply, revert, status, preflight
    }

    /// The subcommand.
    package var command: Command
    /// The patch file (apply; revert by file).
    package var patchPath: String? = nil
    /// The patch id (revert --id).
    package var patchID: String? = nil
    /// The processes.
    package var selection: TargetSelection
    /// Print one JSON report instead of text.
    package var json = false
    /// How long to look for a safe point (ns).
    package var timeoutNanoseconds: UInt64 = 10_000_000_000
    /// The longest the process may be stopped (µs).
    package var maxPauseMicroseconds: UInt64 = 20_000
    /// A fixed binary to install on disk after a successful apply.
    package var persistPath: String? = nil
    /// Where the journal and persist records live.
    package var stateDirectory = "/var/lib/hotpatch"
    /// preflight: bytes the coordinator needs in the upload folder.
    package var neededBytes: UInt64 = 0

    /// A command about `selection`, every option at its default.
    package init(command: Command, selection: TargetSelection) {
        self.command = command
        self.selection = selection
    }
}
