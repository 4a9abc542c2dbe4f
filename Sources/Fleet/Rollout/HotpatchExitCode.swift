/// The exit codes of `hotpatch`, so scripts can tell a clean rollout from a halted one.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success: every wave ran, every reached host is patched (or reverted, for `rollback`) |
/// | 1 | could not run: unreadable patch or inventory, journal not writable, agent missing |
/// | 3 | halted over the failure budget; every host this rollout patched was reverted |
/// | 4 | halted over the failure budget; nothing reverted (`--no-rollback`) |
/// | 5 | halted, but some hosts could not be reverted: they still run the patch (see report) |
/// | 6 | finished within the budget, but some hosts failed or were unreachable |
/// | 7 | `rollout --preflight`: some selected host would fail; nothing was started, no journal |
/// | 64 | usage error (bad flag or flag combination), from ArgumentParser |
package enum HotpatchExitCode: Int32, Sendable, CaseIterable {
    case success = 0
    case failure = 1
    case haltedRolledBack = 3
    case haltedWithoutRollback = 4
    case rollbackIncomplete = 5
    case completedWithFailures = 6
    case preflightRefused = 7
    case usage = 64
}
