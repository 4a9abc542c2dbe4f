import ArgumentParser
import Fleet

/// `--max-pause`, `--safe-point-timeout`: the agents' safe-point settings, the same on every
/// host of a run (and recorded in the journal, so `resume` keeps them).
struct SafePointOptions: ParsableArguments {
    /// The stop-the-world budget per process.
    @Option(
        help: """
            Longest each process may be stopped while its patch is switched in or out (e.g. 20ms, \
            the agent's default); an agent that cannot meet it changes nothing and reports no safe point.
            """)
    var maxPause: DurationArgument?

    /// How long each agent keeps looking for a safe point.
    @Option(
        help: "How long each agent retries for a safe point before it fails (e.g. 10s, the agent's default).")
    var safePointTimeout: DurationArgument?

    mutating func validate() throws {
        if let maxPause, maxPause.seconds <= 0 { throw ValidationError("--max-pause must be above 0") }
        if let safePointTimeout, safePointTimeout.seconds <= 0 {
            throw ValidationError("--safe-point-timeout must be above 0")
        }
    }

    /// Writes these settings into `settings`.
    func apply(to settings: inout RolloutSettings) {
        settings.agentMaxPauseMicroseconds = maxPause.map { Int(($0.seconds * 1_000_000).rounded()) }
        settings.agentSafePointTimeoutMilliseconds = safePointTimeout.map {
            Int(($0.seconds * 1000).rounded())
        }
    }
}
