import Crypto
import Foundation

/// One key line of a known_hosts file, parsed.
struct KnownHostsEntry: Sendable, Equatable {
    /// The optional marker in front of a line.
    enum Marker: String, Sendable {
        /// This key must never be accepted, for the hosts listed.
        case revoked = "@revoked"
        /// A CA that signs host certificates (not supported by libssh2 1.10; refused explicitly).
        case certAuthority = "@cert-authority"
    }

    /// Which hosts the line is for.
    enum Hosts: Sendable, Equatable {
        /// A comma list of names, `[name]:port` and globs, possibly negated with `!`.
        case patterns([String])
        /// `|1|salt|hash`: HMAC-SHA1 of the looked-up name keyed with the salt.
        case hashed(salt: [UInt8], hash: [UInt8])
    }

    /// 1-based line number in its file, for messages pointing at it.
    let line: Int
    /// `@revoked` / `@cert-authority`, or nil for a plain trusted key.
    let marker: Marker?
    /// The hosts the line applies to.
    let hosts: Hosts
    /// The key.
    let key: HostKey

    /// Builds an entry.
    init(line: Int, marker: Marker?, hosts: Hosts, key: HostKey) {
        self.line = line
        self.marker = marker
        self.hosts = hosts
        self.key = key
    }

    /// True when the line applies to `lookupName` (`host`, or `[host]:port` off port 22).
    func applies(to lookupName: String) -> Bool {
        switch hosts {
        case .patterns(let patterns):
            return HostPattern.list(patterns, matches: lookupName)
        case .hashed(let salt, let hash):
            let mac = HMAC<Insecure.SHA1>.authenticationCode(
                for: Data(lookupName.utf8), using: SymmetricKey(data: salt))
            return Array(mac) == hash
        }
    }

    /// Parses one line; nil for blank lines and comments; throws a reason for lines that are
    /// neither a comment nor a valid entry.
    static func parse(_ text: Substring, line: Int) throws(KnownHostsParseProblem) -> KnownHostsEntry? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        var fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var marker: Marker?
        if let first = fields.first, first.hasPrefix("@") {
            guard let known = Marker(rawValue: first) else {
                throw KnownHostsParseProblem(line: line, reason: "unknown marker \(first)")
            }
            marker = known
            fields.removeFirst()
        }
        guard fields.count >= 3 else {
            throw KnownHostsParseProblem(line: line, reason: "expected `hosts keytype base64-key`")
        }
        guard let blob = Data(base64Encoded: fields[2]) else {
            throw KnownHostsParseProblem(line: line, reason: "key is not valid base64")
        }
        let key = HostKey(blob: Array(blob))
        guard key.type == fields[1] else {
            throw KnownHostsParseProblem(
                line: line, reason: "key type \(fields[1]) does not match the key's own type \(key.type)")
        }
        return KnownHostsEntry(
            line: line, marker: marker, hosts: try parseHosts(fields[0], line: line), key: key)
    }

    private static func parseHosts(_ field: String, line: Int) throws(KnownHostsParseProblem) -> Hosts {
        guard field.hasPrefix("|1|") else {
            return .patterns(field.split(separator: ",").map(String.init))
        }
        let parts = field.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4, let salt = Data(base64Encoded: String(parts[2])),
            let hash = Data(base64Encoded: String(parts[3]))
        else { throw KnownHostsParseProblem(line: line, reason: "malformed hashed host |1|salt|hash") }
        return .hashed(salt: Array(salt), hash: Array(hash))
    }
}

/// A known_hosts line that is not a valid entry (skipped, as OpenSSH does, but reported).
struct KnownHostsParseProblem: Error, Sendable, Equatable {
    /// 1-based line number.
    let line: Int
    /// What is wrong with it.
    let reason: String
}
