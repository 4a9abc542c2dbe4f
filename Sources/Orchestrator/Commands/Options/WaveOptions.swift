import ArgumentParser
import Fleet

/// `--waves`, `--max-failed`, `--unreachable-fails`: how a fleet is cut and when to stop.
struct WaveOptions: ParsableArguments {
    /// Ansible `serial` list.
    @Option(
        help:
            "Wave sizes, Ansible serial style: counts and percentages, the last repeats (e.g. 1,10%,50%,100%)."
    )
    var waves = "1,10%,50%,100%"

    /// The failure budget.
    @Option(help: "Failed hosts the whole rollout tolerates: a count (3) or a percentage of all hosts (5%).")
    var maxFailed = "0"

    /// Count unreachable hosts as failed.
    @Flag(help: "Count unreachable hosts against --max-failed (they are reported apart either way).")
    var unreachableFails = false

    mutating func validate() throws {
        _ = try parsed()
    }

    /// The wave schedule and failure budget as values, the only place they are parsed; the
    /// fleet carries these to the end (and the journal records them).
    func parsed() throws(ValidationError) -> (schedule: WaveSchedule, maxFailed: FailureBudget.Limit) {
        do {
            return (try WaveSchedule(parsing: waves), try FailureBudget.Limit(parsing: maxFailed))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
