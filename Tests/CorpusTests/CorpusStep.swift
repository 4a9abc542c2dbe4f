/// The steps of one corpus run, in order; a failure names the step it happened in.
enum CorpusStep: String, Sendable {
    /// Reading `case.txt`.
    case parse
    /// Compiling v1 and v2.
    case build
    /// Starting v1 and seeing its `before` line.
    case start
    /// `hotpatch create`.
    case create
    /// Comparing create's `included:` lines with the case's `included:`.
    case included
    /// `hotpatch-agent apply`.
    case apply
    /// Seeing the `after` line.
    case after
    /// The process still running (not exited, not a zombie).
    case alive
    /// `hotpatch-agent revert`.
    case revert
    /// Seeing `before` again after revert.
    case oldBack = "old back"
}

/// A step that failed: which, and the output that shows why.
struct CorpusStepError: Error, CustomStringConvertible, Sendable {
    /// The step.
    let step: CorpusStep
    /// What failed, with the failing command's output.
    let message: String
    /// `step: message`.
    var description: String { "\(step.rawValue): \(message)" }
}
