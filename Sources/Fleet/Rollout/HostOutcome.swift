import Shared

/// What applying the patch did on one host, as the engine classifies the agent's report.
enum ApplyStatus: String, Sendable, Codable {
    /// The agent patched at least one process and every target process it found.
    case patched
    /// Every target process already had this patch in place; nothing was written.
    case alreadyPatched
    /// No process on the host maps the patch's target build; nothing to do.
    case noTarget
    /// The host was reached but the patch could not be applied (or a check failed after).
    case failed
    /// The host could not be reached (connection refused, timed out, or lost).
    case unreachable

    /// The host counts against the failure budget (unreachable is counted apart).
    var isFailure: Bool { self == .failed }
}

/// The outcome of applying on one host.
struct ApplyOutcome: Sendable, Codable, Equatable {
    /// The classification.
    let status: ApplyStatus
    /// Processes the patch is now in place in (patched or already patched).
    let processes: Int
    /// Why it failed or was unreachable, in one line; nil on success.
    let message: String?
    /// The processes the patch is in place in (pid and start time), for the checks after
    /// the wave: a restarted process has the same pid but another start time.
    let targets: [ProcessIdentity]
    /// True when the connection broke after the agent started applying: the patch may be in
    /// place although no report said so, so a halt must revert this host too.
    var mayBeInPlace: Bool = false
    /// With `--persist`: what the agent did with each file the patched processes were started
    /// from (installed, already installed, refused), exactly as it reported (nil without).
    var files: [DiskFileReport]? = nil

    init(
        status: ApplyStatus, processes: Int = 0, message: String? = nil, targets: [ProcessIdentity] = [],
        mayBeInPlace: Bool = false, files: [DiskFileReport]? = nil
    ) {
        self.status = status
        self.processes = processes
        self.message = message
        self.targets = targets
        self.mayBeInPlace = mayBeInPlace
        self.files = files
    }

    /// True when this apply installed a fixed build on disk (a rollback must put the old back).
    var installedFiles: Bool { files?.contains { $0.action == .installed } ?? false }
    /// True when the fixed build could not be installed somewhere (the live patch stays).
    var diskProblem: Bool { files?.contains { !$0.action.isSuccess } ?? false }
}

/// What reverting did on one host.
enum RevertStatus: String, Sendable, Codable {
    /// The patch was taken out of every process that had it.
    case reverted
    /// No process had the patch in place (nothing to undo).
    case notInPlace
    /// The agent could not take the patch out of every process.
    case failed
    /// The host could not be reached, so the patch may still be in place.
    case unreachable

    /// The host no longer runs the patch.
    var isClean: Bool { self == .reverted || self == .notInPlace }
}

/// The outcome of reverting on one host.
struct RevertOutcome: Sendable, Codable, Equatable {
    /// The classification.
    let status: RevertStatus
    /// Processes the patch was taken out of.
    let processes: Int
    /// Why it failed, in one line; nil on success.
    let message: String?
    /// What the agent did with the files `--persist` had installed (restored, left in place).
    var files: [DiskFileReport]? = nil

    init(status: RevertStatus, processes: Int = 0, message: String? = nil, files: [DiskFileReport]? = nil) {
        self.status = status
        self.processes = processes
        self.message = message
        self.files = files
    }
}

/// How a rollout (or a rollback run) ended.
package enum RolloutResult: String, Sendable, Codable {
    /// Every wave ran; every reached host is patched (or already was, or has no target).
    case succeeded
    /// Every wave ran; some hosts failed or were unreachable, within the failure budget.
    case completedWithFailures
    /// Over budget: halted, and every host this rollout patched was reverted.
    case haltedRolledBack
    /// Over budget: halted, and some hosts could not be reverted (listed in the report).
    case haltedRollbackIncomplete
    /// Over budget: halted, nothing reverted (`--no-rollback`).
    case haltedWithoutRollback
    /// `hotpatch rollback --rollout`: every host the rollout patched was reverted.
    case rolledBack

    /// The process exit code for this result.
    package var exitCode: HotpatchExitCode {
        switch self {
        case .succeeded: return .success
        case .completedWithFailures: return .completedWithFailures
        case .haltedRolledBack: return .haltedRolledBack
        case .haltedRollbackIncomplete: return .rollbackIncomplete
        case .haltedWithoutRollback: return .haltedWithoutRollback
        case .rolledBack: return .success
        }
    }
}
