/// What happened in one target process.
public struct ProcessReport: Codable, Sendable, Equatable {
    /// The process's pid.
    public var pid: Pid
    /// Its start time (clock ticks after boot): with the pid, its identity.
    public var startTime: UInt64
    /// Its executable path.
    public var executable: String
    /// What the agent did there.
    public var outcome: ProcessOutcome
    /// Why it failed, when ``outcome`` is `failed`.
    public var error: ProcessError?
    /// The longest time any thread of the process was held by one of the agent's stops (the
    /// injected system calls and calls, and the commit), in µs.
    public var pauseMicroseconds: UInt64?
    /// How many times the agent stopped the process looking for a safe point.
    public var attempts: Int?
    /// The patches in place after the command, read from the process's memory, oldest first.
    public var patches: [PatchInProcess]

    /// Builds an entry.
    public init(
        pid: Pid, startTime: UInt64, executable: String, outcome: ProcessOutcome, error: ProcessError? = nil,
        pauseMicroseconds: UInt64? = nil, attempts: Int? = nil, patches: [PatchInProcess] = []
    ) {
        self.pid = pid
        self.startTime = startTime
        self.executable = executable
        self.outcome = outcome
        self.error = error
        self.pauseMicroseconds = pauseMicroseconds
        self.attempts = attempts
        self.patches = patches
    }
}

/// The result of a command in one process.
public enum ProcessOutcome: String, Codable, Sendable, Equatable {
    /// The patch was applied now.
    case applied
    /// The patch was already active; nothing was changed.
    case alreadyApplied = "already-applied"
    /// The patch was reverted now.
    case reverted
    /// Revert found the patch not in place; nothing was changed.
    case notApplied = "not-applied"
    /// `status` read the process.
    case inspected
    /// The command failed there; see ``ProcessReport/error``. The process was left as it was.
    case failed
}

/// Why a command failed in one process.
public struct ProcessError: Codable, Sendable, Equatable {
    /// The kind of failure, as an exit code.
    public var kind: AgentExitCode
    /// What failed, where and what to do.
    public var message: String
    /// The thread in the way (no safe point), if any.
    public var tid: Tid?
    /// The function in the way, if any.
    public var symbol: String?

    /// Builds an error entry.
    public init(kind: AgentExitCode, message: String, tid: Tid? = nil, symbol: String? = nil) {
        self.kind = kind
        self.message = message
        self.tid = tid
        self.symbol = symbol
    }
}

/// One patch found in a process's memory.
public struct PatchInProcess: Codable, Sendable, Equatable {
    /// The patch id from the patch memory header.
    public var id: String
    /// SHA-256 of the patch file, lowercase hex.
    public var contentHash: String
    /// Where its patch memory starts.
    public var address: RemoteAddress
    /// `active` (every entry holds the patch's bytes), `drifted` (some entry was overwritten by
    /// someone else), `inactive` (memory mapped but no entry written: an apply was interrupted).
    public var state: PatchState
    /// Each patched entry.
    public var entries: [PatchEntryStatus]
    /// Whether the process's unwinder knows the patch's unwind info (`registered`, `not
    /// registered (no libgcc_s in the process)`, ...); nil when the patch carries none.
    public var unwind: String?

    /// Builds an entry.
    public init(
        id: String, contentHash: String, address: RemoteAddress, state: PatchState,
        entries: [PatchEntryStatus], unwind: String? = nil
    ) {
        self.id = id
        self.contentHash = contentHash
        self.address = address
        self.state = state
        self.entries = entries
        self.unwind = unwind
    }
}

/// Whether a patch is in force.
public enum PatchState: String, Codable, Sendable, Equatable {
    /// Every entry holds the bytes the patch wrote.
    case active
    /// Some entries hold neither the patch's nor the original bytes, or a mix.
    case drifted
    /// Every entry holds its original bytes: the memory is there but the patch is not in force.
    case inactive
}

/// One overwritten entry of a patch.
public struct PatchEntryStatus: Codable, Sendable, Equatable {
    /// The address of the overwritten bytes.
    public var address: RemoteAddress
    /// The function there, when known.
    public var symbol: String?
    /// `active`, `drifted` or `inactive` for this entry alone.
    public var state: PatchState

    /// Builds an entry.
    public init(address: RemoteAddress, symbol: String?, state: PatchState) {
        self.address = address
        self.symbol = symbol
        self.state = state
    }
}
