import FleetInventory
import Shared

/// Everything that happens in a rollout, as typed values. The engine emits them; the journal
/// writes them (one per line) and the reporters (human, JSON Lines) render them, so what a
/// program reads, what a person sees and what `resume` replays are the same facts.
enum RolloutEvent: Sendable, Equatable {
    /// How the rollout starts, first in every journal: what, where, how.
    case started(RolloutStart)
    /// `hotpatch resume` picked the rollout up again.
    case resumed(RolloutResume)
    /// A wave begins.
    case waveStarted(WaveStart)
    /// The agent and patch are on the host (bytes actually sent; 0 when already there).
    case uploaded(HostUpload)
    /// About to run the agent's apply on a host. Written (and fsync'd) before the agent runs,
    /// so a coordinator killed mid-apply knows to ask that host before applying again.
    case applyIntent(HostStep)
    /// The agent's apply ended on a host.
    case applied(HostApplied)
    /// One round of checks after a wave (built-in checks and the user's command).
    case checked(CheckRound)
    /// A wave ended, with its counts.
    case waveFinished(WaveEnd)
    /// Over budget: the rollout stops here.
    case halted(RolloutHalt)
    /// About to revert a host (written before the agent runs, like `applyIntent`).
    case revertIntent(HostStep)
    /// The agent's revert ended on a host.
    case reverted(HostReverted)
    /// The rollout is over; nothing follows.
    case finished(RolloutEnd)
}

extension RolloutEvent {
    /// The hosts this event names (none for the start, whose hosts are the rollout's).
    var hostNames: [String] {
        switch self {
        case .started, .halted, .waveFinished, .finished: return []
        case .resumed(let resumed): return resumed.hostsInDoubt
        case .waveStarted(let wave): return wave.hosts
        case .uploaded(let upload): return [upload.host]
        case .applyIntent(let step), .revertIntent(let step): return [step.host]
        case .applied(let applied): return [applied.host]
        case .checked(let round): return round.failures.map(\.host)
        case .reverted(let reverted): return [reverted.host]
        }
    }
}

/// The identity of the patch being rolled out.
package struct PatchRecord: Sendable, Codable, Equatable {
    /// The local file.
    let path: String
    /// The patch id inside it.
    let id: PatchID
    /// SHA-256 of the file, lowercase hex.
    let sha256: String
    /// The GNU build-id of the module the patch is for, hex.
    package let targetBuildID: String
}

// The journal records the id as the plain text it always was (`"id":"parity-fix"`).
extension PatchRecord {
    private enum CodingKeys: String, CodingKey {
        case path, id, sha256, targetBuildID
    }

    /// Reads a recorded patch identity; an id that is not a valid patch id is a damaged journal.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        let text = try container.decode(String.self, forKey: .id)
        guard let id = PatchID(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container, debugDescription: "not a patch id: \(text)")
        }
        self.id = id
        sha256 = try container.decode(String.self, forKey: .sha256)
        targetBuildID = try container.decode(String.self, forKey: .targetBuildID)
    }

    /// Writes the identity with the id as text.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(id.rawValue, forKey: .id)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(targetBuildID, forKey: .targetBuildID)
    }
}

/// A resume of a rollout that was interrupted.
struct RolloutResume: Sendable, Codable, Equatable {
    /// Hosts whose apply was started but never recorded, which resume asks about first.
    let hostsInDoubt: [String]
}

/// A wave's start.
struct WaveStart: Sendable, Codable, Equatable {
    /// 1-based wave number.
    let wave: Int
    /// The hosts in it.
    let hosts: [String]
}

/// The cost of getting the agent and patch onto a host.
struct HostUpload: Sendable, Codable, Equatable {
    /// The host.
    let host: String
    /// Agent bytes sent (0 when the host already had this agent).
    let agentBytesSent: Int
    /// Patch bytes sent (0 when the host already had this patch).
    let patchBytesSent: Int
    /// Fixed build bytes sent with `--persist` (0 when the host had it; nil without `--persist`).
    var fixedBuildBytesSent: Int? = nil
}

/// A step about to run on one host, in one wave.
struct HostStep: Sendable, Codable, Equatable {
    /// The host.
    let host: String
    /// 1-based wave number.
    let wave: Int
}

/// The end of an apply on one host.
struct HostApplied: Sendable, Codable, Equatable {
    /// The host.
    let host: String
    /// 1-based wave number.
    let wave: Int
    /// What happened.
    let outcome: ApplyOutcome
    /// True when the outcome was learned by asking the host on resume, not from the apply.
    var confirmedOnResume: Bool = false
}

/// One round of checks.
struct CheckRound: Sendable, Codable, Equatable {
    /// The wave just finished.
    let wave: Int
    /// 1-based round within the soak.
    let round: Int
    /// Hosts checked.
    let checked: Int
    /// Hosts that failed a check this round, first failure only.
    let failures: [HostFailure]
}

/// A host and why it failed, in one line.
struct HostFailure: Sendable, Codable, Equatable {
    /// The host.
    let host: String
    /// Whether it was reached at all.
    let unreachable: Bool
    /// What failed, where, and what to do.
    let message: String
}

/// A wave's end with the rollout's running totals.
struct WaveEnd: Sendable, Codable, Equatable {
    /// 1-based wave number.
    let wave: Int
    /// Running totals after this wave.
    let totals: RolloutTotals
}

/// Host counts across the rollout so far.
struct RolloutTotals: Sendable, Codable, Equatable {
    /// Hosts in the rollout.
    var hosts: Int = 0
    /// Hosts this rollout patched.
    var patched: Int = 0
    /// Hosts that already had the patch.
    var alreadyPatched: Int = 0
    /// Hosts without a target process.
    var noTarget: Int = 0
    /// Hosts that failed (apply or a check).
    var failed: Int = 0
    /// Hosts that could not be reached.
    var unreachable: Int = 0
    /// Hosts reverted (by a halt's rollback or a rollback run).
    var reverted: Int = 0
    /// Hosts that could not be reverted.
    var revertFailed: Int = 0
}

/// Why the rollout stopped.
struct RolloutHalt: Sendable, Codable, Equatable {
    /// The wave that broke the budget.
    let wave: Int
    /// The budget and what exceeded it, in one line.
    let reason: String
    /// Whether the hosts this rollout patched will now be reverted.
    let rollingBack: Bool
}

/// The end of a revert on one host.
struct HostReverted: Sendable, Codable, Equatable {
    /// The host.
    let host: String
    /// The wave that had patched it.
    let wave: Int
    /// What happened.
    let outcome: RevertOutcome
}

/// The rollout's end.
struct RolloutEnd: Sendable, Codable, Equatable {
    /// How it ended.
    let result: RolloutResult
    /// Final counts.
    let totals: RolloutTotals
}
