/// Renders rollout records for someone: a person at a terminal or a program reading JSON.
/// Reporters never take part in execution; ``EventSink`` calls them one record at a time,
/// in journal order, from one thread at a time.
protocol RolloutReporter: AnyObject {
    /// One more record, already durable in the journal.
    func report(_ record: RolloutRecord)
}

/// Where reporters write: stdout in the tool, a buffer in tests.
struct TextOutput: Sendable {
    /// Writes text as is (no newline added).
    let write: @Sendable (String) -> Void
    /// Whether this is a terminal that understands `\r` and erase-line.
    let isTerminal: Bool
}
