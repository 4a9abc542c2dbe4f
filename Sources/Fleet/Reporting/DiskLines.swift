import Shared

/// What a person reads about files on disk: the rollout's installs and restores (one line per
/// file) and the status table's ON DISK cell (old build, fixed build, or neither).
enum DiskLines {
    /// One line per file a `--persist` install or a rollback's restore touched on `host`.
    static func lines(host: String, _ files: [DiskFileReport]) -> String {
        files.map { file in
            let what: String
            switch file.action {
            case .installed:
                what = "fixed build \(short(file.buildID)) installed (backup \(file.backup ?? "-"))"
            case .alreadyInstalled: what = "fixed build \(short(file.buildID)) already on disk"
            case .restored: what = "old build \(short(file.buildID)) restored"
            case .refused, .failed, .leftInPlace: what = "\(file.action.rawValue): \(file.message ?? "")"
            case .inspected: what = "on disk: \(short(file.buildID))"
            }
            // The path and the message come from the host: untrusted text, kept to one line.
            return "  \(host): " + SummaryTable.oneLine("\(file.path): \(what)")
        }.joined(separator: "\n")
    }

    /// Which build a file on disk is.
    enum Kind: String, Sendable, Codable, Equatable {
        /// The build the patch targets (or the one `--persist` replaced).
        case oldBuild = "old build"
        /// The fixed build `--persist` installed.
        case fixedBuild = "fixed build"
        /// Another build, or a file without a build-id.
        case neither
        /// Missing or unreadable.
        case unreadable
    }

    /// Classifies one file: fixed when it is what `--persist` installed (or `fixedBuildID`),
    /// old when it is the patch's target build (`oldBuildID`) or what `--persist` replaced.
    static func kind(_ file: DiskFileReport, oldBuildID: String?, fixedBuildID: String? = nil) -> Kind {
        guard let build = file.buildID else { return file.message == nil ? .neither : .unreadable }
        if build == file.installedBuildID || build == fixedBuildID { return .fixedBuild }
        if build == oldBuildID || build == file.replacedBuildID { return .oldBuild }
        return .neither
    }

    /// The status table's cell for a host's files: `fixed build 1a2b3c4d5e6f (parity-v1)`.
    static func cell(_ files: [DiskFileReport], oldBuildID: String?) -> String {
        guard !files.isEmpty else { return "-" }
        return files.map { file in
            let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
            let kind = kind(file, oldBuildID: oldBuildID)
            guard let build = file.buildID else { return "\(kind.rawValue), no build-id (\(name))" }
            return "\(kind.rawValue) \(short(build)) (\(name))"
        }.joined(separator: ", ")
    }

    /// A build-id as a person compares it: its first 12 hex digits.
    static func short(_ buildID: String?) -> String { buildID.map { String($0.prefix(12)) } ?? "no build-id" }
}
