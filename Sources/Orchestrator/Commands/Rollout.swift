import ArgumentParser
import Fleet
import Foundation

extension Hotpatch {
    /// `hotpatch rollout PATCH -i INVENTORY`: patch a fleet in waves, canary first, checking
    /// after each wave and reverting everything if the failure budget breaks.
    struct Rollout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a patch across a fleet in waves, with health checks and automatic rollback.",
            discussion: """
                Exit codes: 0 success, 1 could not run, 3 halted and rolled back, 4 halted without \
                rollback, 5 halted but some hosts could not be reverted, 6 finished with failed or \
                unreachable hosts within the budget, 7 refused by --preflight (nothing started, no \
                journal), 64 usage error.
                """)

        /// The patch file.
        @Argument(help: "The patch file (from hotpatch create).")
        var patch: String

        @OptionGroup var inventory: InventoryOptions
        @OptionGroup var waves: WaveOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var safePoint: SafePointOptions
        @OptionGroup var journal: JournalOptions
        @OptionGroup var output: OutputOptions

        /// The user's health check.
        @Option(help: "Health check run on each patched host through /bin/sh -c; exit 0 means healthy.")
        var check: String?

        /// Seconds between check rounds.
        @Option(help: "Time between check rounds during the soak (e.g. 5s).")
        var checkInterval = DurationArgument(seconds: 5)

        /// Deadline of one check run.
        @Option(help: "Longest one run of --check may take before it counts as failed.")
        var checkTimeout = DurationArgument(seconds: 30)

        /// Soak time after each wave.
        @Option(help: "How long to keep checking after each wave before the next (e.g. 30s; 0: one round).")
        var soak = DurationArgument(seconds: 0)

        /// The fixed build to install on disk after each host's live patch.
        @Option(
            help: ArgumentHelp(
                "After the live patch succeeds on a host, install this fixed build (executable or shared "
                    + "library) over the file the patched processes were started from, atomically, keeping a "
                    + "backup; only where that file is still the build the patch targets.",
                valueName: "fixed-build"))
        var persist: String?

        /// Only halt on failure.
        @Flag(help: "On a halt, leave patched hosts as they are instead of reverting them.")
        var noRollback = false

        /// Run `plan`'s preflight on every selected host first.
        @Flag(
            help:
                "Run the read-only preflight (as hotpatch plan) on every selected host first; if any host would fail, print why and start nothing (exit 7)."
        )
        var preflight = false

        mutating func validate() throws {
            guard checkInterval.seconds > 0 else { throw ValidationError("--check-interval must be above 0") }
            guard checkTimeout.seconds > 0 else { throw ValidationError("--check-timeout must be above 0") }
        }

        func run() throws {
            var settings = RolloutSettings(
                kind: .rollout, checkCommand: check, checkTimeoutSeconds: checkTimeout.seconds,
                checkIntervalSeconds: checkInterval.seconds, soakSeconds: soak.seconds,
                rollbackOnHalt: !noRollback)
            safePoint.apply(to: &settings)
            throw CommandFailure.exitCode {
                var start = try RolloutStart.make(
                    patchPath: patch, inventory: inventory.inventory, limit: inventory.limit, waves: waves,
                    connection: connection, settings: settings)
                if let persist {
                    let fixed = try FixedBuild.check(
                        persist, patch: start.patch,
                        targetPathHint: try FleetSelection.targetPathHint(of: patch))
                    if let warning = fixed.warning {
                        FileHandle.standardError.write(Data("hotpatch: warning: \(warning)\n".utf8))
                    }
                    start.fixedBuild = fixed.record
                }
                if preflight {
                    let probes = FleetPreflight.probe(start)
                    if probes.contains(where: { !$0.problems.isEmpty }) {
                        FileHandle.standardOutput.write(
                            Data(FleetPreflight.refusal(probes, json: output.json).utf8))
                        return .preflightRefused
                    }
                }
                return try RolloutLauncher.start(start, journalDirectory: journal.directory, json: output.json)
                    .exitCode
            }
        }
    }
}
