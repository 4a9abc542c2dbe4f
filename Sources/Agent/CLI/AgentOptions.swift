import Shared

/// Which processes a command is about.
enum TargetSelection: Equatable {
    /// These pids.
    case pids([Pid])
    /// Every process that maps this file (executable or shared library).
    case executable(String)
    /// Every process the command applies to (maps the patch's module, or holds the patch).
    case all
}

/// The parsed command line of `hotpatch-agent`.
struct AgentOptions: Equatable {
    /// The subcommand.
    enum Command: String, Equatable {
        case apply, revert, status, preflight
    }

    /// The subcommand.
    var command: Command
    /// The patch file (apply; revert by file).
    var patchPath: String? = nil
    /// The patch id (revert --id).
    var patchID: String? = nil
    /// The processes.
    var selection: TargetSelection
    /// Print one JSON report instead of text.
    var json = false
    /// How long to look for a safe point (ns).
    var timeoutNanoseconds: UInt64 = 10_000_000_000
    /// The longest the process may be stopped (µs).
    var maxPauseMicroseconds: UInt64 = 20_000
    /// A fixed binary to install on disk after a successful apply.
    var persistPath: String? = nil
    /// Where the journal and persist records live.
    var stateDirectory = "/var/lib/hotpatch"
    /// preflight: bytes the coordinator needs in the upload folder.
    var neededBytes: UInt64 = 0
}

/// A command line that cannot be run, with what to do about it.
struct UsageError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    let description: String
    init(_ description: String) { self.description = description }
}
