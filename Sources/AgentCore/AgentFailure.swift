import Shared

/// A failure the agent reports: its kind (which becomes the exit code) and a message that says
/// what failed, where (pid, tid, symbol) and what to do next.
struct AgentFailure: Error, CustomStringConvertible {
    /// The exit code this failure maps to.
    let kind: AgentExitCode
    /// The message for people.
    let message: String
    /// The thread in the way, for safe-point failures.
    var tid: Tid? = nil
    /// The function in the way, for safe-point failures.
    var symbol: String? = nil

    /// A failure of `kind` with a message.
    init(_ kind: AgentExitCode, _ message: String, tid: Tid? = nil, symbol: String? = nil) {
        self.kind = kind
        self.message = message
        self.tid = tid
        self.symbol = symbol
    }

    var description: String { message }

    /// The report entry for this failure.
    var processError: ProcessError { ProcessError(kind: kind, message: message, tid: tid, symbol: symbol) }
}
