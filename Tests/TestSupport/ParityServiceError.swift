/// What went wrong building, running or reading the parity service, with what to look at next.
public enum ParityServiceError: Error, Sendable, CustomStringConvertible {
    /// `make -C examples/parity` failed; `output` is what make and gcc said.
    case buildFailed(directory: String, output: String)
    /// The service could not be started at all.
    case startFailed(command: String, reason: String)
    /// No awaited line came in time; `tail` is the end of the log (and of stderr when known).
    case timedOut(waitingFor: String, log: String, tail: String)
    /// A line in the log starts with `parity ` but does not parse.
    case malformedLine(log: String, ParityLineError)
    /// The service ignored a signal it should obey and was killed with SIGKILL.
    case didNotExit(pid: Int32, signal: String, tail: String)
    /// Its threads did not all reach the stopped state after SIGSTOP.
    case didNotStop(pid: Int32, states: String)

    /// What failed, where, and what to do next.
    public var description: String {
        switch self {
        case .buildFailed(let directory, let output):
            return "make -C \(directory) failed; fix the build (run it by hand to see it again):\n\(output)"
        case .startFailed(let command, let reason):
            return "could not start the parity service (\(command)): \(reason)"
        case .timedOut(let waitingFor, let log, let tail):
            return "timed out waiting for \(waitingFor) in \(log); is the service running and writing "
                + "there? Last lines:\n\(tail)"
        case .malformedLine(let log, let error):
            return "in \(log): \(error)"
        case .didNotExit(let pid, let signal, let tail):
            return "parity service pid \(pid) did not exit after \(signal) and was killed with SIGKILL; "
                + "its exit path hangs. Last lines:\n\(tail)"
        case .didNotStop(let pid, let states):
            return "parity service pid \(pid) did not stop after SIGSTOP (thread states: \(states)); "
                + "is something else (a debugger, ptrace) holding it?"
        }
    }
}
