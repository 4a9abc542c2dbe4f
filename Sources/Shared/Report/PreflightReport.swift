/// What `hotpatch-agent preflight PATCH --json` found on a host, read-only: would `apply` of this
/// patch succeed here, and if not, why (one line per reason in ``problems``). Written by the
/// agent inside its ``AgentReport`` (field `preflight`) and decoded by the coordinator as is.
public struct PreflightReport: Codable, Sendable, Equatable {
    /// The kernel release (`uname -r`).
    public var kernelRelease: String
    /// The machine (`uname -m`).
    public var architecture: String
    /// The patch's target build-id (hex) and the path it was built from.
    public var targetBuildID: String
    /// The path hint of the patch's target module.
    public var targetPathHint: String
    /// Processes mapping a module with the target build-id (found by the build-id in the
    /// mapped file's ELF note, never by path).
    public var targets: [PreflightProcess]
    /// Processes mapping a module of the same file name with another build-id.
    public var otherBuilds: [PreflightProcess]
    /// Processes the agent could not read (`/proc/PID/maps` or memory refused).
    public var unreadableProcesses: Int
    /// Whether the agent may attach, and why (not).
    public var ptrace: PreflightPtrace
    /// The folder the agent runs from (the upload folder).
    public var uploadFolder: PreflightFolder
    /// Whether `apply` would accept this patch's signature under the host's policy.
    public var signature: PreflightSignature
    /// Why `apply` would fail here, one line each, each naming the fix; empty means ready.
    public var problems: [String]
    /// Things worth knowing that do not stop `apply`.
    public var warnings: [String]

    /// True when nothing found would make `apply` fail.
    public var ready: Bool { problems.isEmpty }

    /// Builds a report.
    public init(
        kernelRelease: String, architecture: String, targetBuildID: String, targetPathHint: String,
        targets: [PreflightProcess], otherBuilds: [PreflightProcess], unreadableProcesses: Int,
        ptrace: PreflightPtrace, uploadFolder: PreflightFolder, signature: PreflightSignature,
        problems: [String], warnings: [String]
    ) {
        self.kernelRelease = kernelRelease
        self.architecture = architecture
        self.targetBuildID = targetBuildID
        self.targetPathHint = targetPathHint
        self.targets = targets
        self.otherBuilds = otherBuilds
        self.unreadableProcesses = unreadableProcesses
        self.ptrace = ptrace
        self.uploadFolder = uploadFolder
        self.signature = signature
        self.problems = problems
        self.warnings = warnings
    }
}

/// One process a preflight found mapping the target file (this build or another).
public struct PreflightProcess: Codable, Sendable, Equatable {
    /// The pid.
    public var pid: Pid
    /// Start time (clock ticks after boot, `/proc/PID/stat` field 22).
    public var startTime: UInt64
    /// `/proc/PID/exe`.
    public var executable: String
    /// The mapped module's path (`/proc/PID/maps`).
    public var module: String
    /// The module's GNU build-id (hex), read from its mapped ELF note.
    public var buildID: String

    /// Builds an entry.
    public init(pid: Pid, startTime: UInt64, executable: String, module: String, buildID: String) {
        self.pid = pid
        self.startTime = startTime
        self.executable = executable
        self.module = module
        self.buildID = buildID
    }
}

/// The ptrace rules as they apply to this agent and its targets.
public struct PreflightPtrace: Codable, Sendable, Equatable {
    /// `/proc/sys/kernel/yama/ptrace_scope`, nil when Yama is not in the kernel (no restriction).
    public var scope: Int?
    /// The agent's effective user id.
    public var agentUID: UInt32
    /// The agent's effective capabilities (`CapEff` of /proc/self/status, hex).
    public var capEff: String
    /// Whether CAP_SYS_PTRACE (bit 19) is effective.
    public var hasSysPtrace: Bool
    /// The agent's `NoNewPrivs`.
    public var noNewPrivs: Bool
    /// The agent's `Seccomp` mode (0 none, 1 strict, 2 filter).
    public var seccomp: Int
    /// Whether the agent may attach to every target (to any process like them when none runs).
    public var allowed: Bool
    /// Why not (one line, with the fix), nil when allowed.
    public var reason: String?

    /// Builds an entry.
    public init(
        scope: Int?, agentUID: UInt32, capEff: String, hasSysPtrace: Bool, noNewPrivs: Bool, seccomp: Int,
        allowed: Bool, reason: String?
    ) {
        self.scope = scope
        self.agentUID = agentUID
        self.capEff = capEff
        self.hasSysPtrace = hasSysPtrace
        self.noNewPrivs = noNewPrivs
        self.seccomp = seccomp
        self.allowed = allowed
        self.reason = reason
    }
}

/// The folder the agent was uploaded to and runs from.
public struct PreflightFolder: Codable, Sendable, Equatable {
    /// Its path.
    public var path: String
    /// Bytes free for an unprivileged writer (statvfs `f_bavail` x `f_frsize`), nil if unknown.
    public var freeBytes: UInt64?
    /// Bytes an upload of the agent and patch takes (the coordinator says with `--need`; 0: not
    /// said); less free is a warning, since the files are already there when this runs.
    public var neededBytes: UInt64
    /// The options of the mount holding it (from /proc/self/mountinfo).
    public var mountOptions: [String]
    /// False when that mount is `noexec`.
    public var allowsExec: Bool

    /// Builds an entry.
    public init(
        path: String, freeBytes: UInt64?, neededBytes: UInt64, mountOptions: [String], allowsExec: Bool
    ) {
        self.path = path
        self.freeBytes = freeBytes
        self.neededBytes = neededBytes
        self.mountOptions = mountOptions
        self.allowsExec = allowsExec
    }
}

/// The host's trusted-keys policy against this patch, decided by apply's own code.
public struct PreflightSignature: Codable, Sendable, Equatable {
    /// Whether `apply` would accept the patch file.
    public var accepted: Bool
    /// Who signed it as the policy saw it, or why it is refused.
    public var summary: String

    /// Builds an entry.
    public init(accepted: Bool, summary: String) {
        self.accepted = accepted
        self.summary = summary
    }
}
