import Foundation

/// What a known_hosts file says about the key a server just presented.
enum HostKeyVerdict: Sendable, Equatable {
    /// A plain entry on `line` holds exactly this key.
    case trusted(line: Int)
    /// No entry applies to this host at all.
    case unknown
    /// An entry on `line` holds a different key for this host (same or other type): the key
    /// changed, which is either a reinstalled host or someone in the middle.
    case changed(line: Int, recordedType: String)
    /// A `@revoked` entry on `line` lists this key.
    case revoked(line: Int)
    /// Only `@cert-authority` entries (first on `line`) apply: host certificates are not
    /// supported by libssh2 1.10, so the host cannot be verified.
    case certificateAuthorityOnly(line: Int)
}

/// A known_hosts file (OpenSSH format), loaded in full: plain and hashed entries, comma
/// lists, `[host]:port`, globs and negations, `@revoked` and `@cert-authority` markers.
struct KnownHostsFile: Sendable {
    /// Where the file is (it may not exist yet: then it has no entries).
    let path: String
    /// The valid entries, in file order.
    let entries: [KnownHostsEntry]
    /// Lines that were neither comments nor valid entries (ignored, as OpenSSH does).
    let problems: [KnownHostsParseProblem]

    /// Parses `text` as the content of the file at `path`.
    init(path: String, text: String) {
        var entries: [KnownHostsEntry] = []
        var problems: [KnownHostsParseProblem] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            do throws(KnownHostsParseProblem) {
                if let entry = try KnownHostsEntry.parse(line, line: index + 1) { entries.append(entry) }
            } catch {
                problems.append(error)
            }
        }
        self.path = path
        self.entries = entries
        self.problems = problems
    }

    /// Reads the file at `path`; a missing file is an empty one (nothing is known yet).
    static func load(_ path: String) throws -> KnownHostsFile {
        guard FileManager.default.fileExists(atPath: path) else {
            return KnownHostsFile(path: path, text: "")
        }
        return KnownHostsFile(path: path, text: try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The name OpenSSH records a host under: `host` on port 22, else `[host]:port`.
    static func lookupName(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// The key types already recorded for this host, so the handshake can ask for one of them
    /// first (as OpenSSH does) instead of getting a type the file has never seen.
    func recordedKeyTypes(host: String, port: Int) -> [String] {
        let name = KnownHostsFile.lookupName(host: host, port: port)
        var types: [String] = []
        for entry in entries
        where entry.marker == nil && entry.applies(to: name) && !types.contains(entry.key.type) {
            types.append(entry.key.type)
        }
        return types
    }

    /// Checks `key` for `host:port`. Revocation wins over everything; then an exact match
    /// trusts; then any other recorded key means the key changed.
    func verdict(host: String, port: Int, key: HostKey) -> HostKeyVerdict {
        let name = KnownHostsFile.lookupName(host: host, port: port)
        let applicable = entries.filter { $0.applies(to: name) }
        if let revoked = applicable.first(where: { $0.marker == .revoked && $0.key == key }) {
            return .revoked(line: revoked.line)
        }
        let plain = applicable.filter { $0.marker == nil }
        if let match = plain.first(where: { $0.key == key }) { return .trusted(line: match.line) }
        // Prefer pointing at an entry of the same type: that is the line the user must fix.
        if let old = plain.first(where: { $0.key.type == key.type }) ?? plain.first {
            return .changed(line: old.line, recordedType: old.key.type)
        }
        if let ca = applicable.first(where: { $0.marker == .certAuthority }) {
            return .certificateAuthorityOnly(line: ca.line)
        }
        return .unknown
    }

    /// The line that records `key` for `host:port`.
    static func line(host: String, port: Int, key: HostKey) -> String {
        "\(lookupName(host: host, port: port)) \(key.type) \(key.base64)"
    }

    /// Serializes appends from concurrent sessions in this process (accept-new for many new
    /// hosts at once), so lines never interleave and a host is never recorded twice.
    private static let appendLock = NSLock()

    /// Records `key` for `host:port` unless the file (re-read under the lock, since another
    /// session may have just written it) already decides otherwise; returns that decision.
    /// Creates the file 0600 (and its folder 0700) when missing.
    static func recordIfUnknown(path: String, host: String, port: Int, key: HostKey) throws -> HostKeyVerdict
    {
        appendLock.lock()
        defer { appendLock.unlock() }
        let text =
            FileManager.default.fileExists(atPath: path)
            ? try String(contentsOfFile: path, encoding: .utf8) : ""
        let current = KnownHostsFile(path: path, text: text)
        let verdict = current.verdict(host: host, port: port, key: key)
        guard verdict == .unknown else { return verdict }
        let fileManager = FileManager.default
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !fileManager.fileExists(atPath: folder) {
            try fileManager.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !fileManager.fileExists(atPath: path) {
            guard fileManager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        // For updating, not writing only: the last byte is read back below.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        // Keep the file line-based even when its last line lacks a newline.
        var prefix = ""
        if end > 0 {
            try handle.seek(toOffset: end - 1)
            let last = try handle.read(upToCount: 1)
            if last != Data("\n".utf8) { prefix = "\n" }
            try handle.seekToEnd()
        }
        try handle.write(contentsOf: Data((prefix + line(host: host, port: port, key: key) + "\n").utf8))
        let linesBefore = text.split(separator: "\n", omittingEmptySubsequences: false).count
        return .trusted(line: text.isEmpty ? 1 : (text.hasSuffix("\n") ? linesBefore : linesBefore + 1))
    }
}
