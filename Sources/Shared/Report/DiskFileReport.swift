/// One file on disk as the agent saw it or changed it: the install of `--persist` (apply), the
/// restore of its backup (revert), or what is there now (status). The build-ids say which build
/// the file is, so the coordinator can tell "old build", "fixed build" and "neither" apart.
public struct DiskFileReport: Codable, Sendable, Equatable {
    /// The file (the path the target processes map their module from).
    public var path: String
    /// What the command did with it.
    public var action: DiskFileAction
    /// The GNU build-id of the file on disk after the command, hex; nil when it is missing,
    /// unreadable or has none (``message`` says which).
    public var buildID: String?
    /// The fixed build `--persist` installed there (hex), when a persist record names this file.
    public var installedBuildID: String?
    /// The build the install replaced (hex), kept at ``backup``.
    public var replacedBuildID: String?
    /// The patch whose `--persist` installed the file.
    public var patchID: String?
    /// Where the replaced build is kept until revert puts it back.
    public var backup: String?
    /// Why it was refused or failed, or what someone should know (one line).
    public var message: String?

    /// Builds an entry.
    public init(
        path: String, action: DiskFileAction, buildID: String? = nil, installedBuildID: String? = nil,
        replacedBuildID: String? = nil, patchID: String? = nil, backup: String? = nil, message: String? = nil
    ) {
        self.path = path
        self.action = action
        self.buildID = buildID
        self.installedBuildID = installedBuildID
        self.replacedBuildID = replacedBuildID
        self.patchID = patchID
        self.backup = backup
        self.message = message
    }
}

/// What a command did with one file on disk.
public enum DiskFileAction: String, Codable, Sendable, Equatable {
    /// `--persist` installed the fixed build now (the old one kept as the backup).
    case installed
    /// The fixed build was there already; nothing was changed.
    case alreadyInstalled = "already-installed"
    /// The file is neither the build the patch targets nor the fixed build: left as is.
    case refused
    /// The install or restore failed (I/O, permission); ``DiskFileReport/message`` says where.
    case failed
    /// Revert put the backup back: the old build is on disk again.
    case restored
    /// Revert found the file changed since the install (not the fixed build): left as is.
    case leftInPlace = "left-in-place"
    /// `status` read it.
    case inspected

    /// True when the command did what was asked (or found it done).
    public var isSuccess: Bool { self != .refused && self != .failed }
}
