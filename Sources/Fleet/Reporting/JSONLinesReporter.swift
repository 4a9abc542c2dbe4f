/// `--json`: every record as one line of JSON, exactly as the journal holds it, so a program
/// can follow a rollout live or replay a journal with the same parser.
final class JSONLinesReporter: RolloutReporter {
    private let output: TextOutput
    private let encoder = RolloutRecord.makeEncoder()

    /// Writes to `output`.
    init(output: TextOutput) {
        self.output = output
    }

    func report(_ record: RolloutRecord) {
        // Encoding our own Codable types cannot fail; trap loudly if that ever changes.
        output.write(try! record.jsonLine(using: encoder) + "\n")
    }
}
