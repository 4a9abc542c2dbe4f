/// An Ed25519 public key that signs patches, as one line of a `.pub` file or of the agent's
/// trusted-keys file: `hotpatch-ed25519 <base64 of the 32 raw key bytes> <comment>`.
public struct PatchPublicKey: Sendable, Equatable {
    /// The first word of every key line.
    public static let keyType = "hotpatch-ed25519"

    /// The 32 raw Ed25519 public key bytes.
    public let rawKey: [UInt8]
    /// Free text after the key (who owns it, e.g. `user@host`); may be empty.
    public let comment: String

    /// A key from its raw bytes.
    public init(rawKey: [UInt8], comment: String) {
        precondition(rawKey.count == 32, "an Ed25519 public key is 32 bytes")
        self.rawKey = rawKey
        self.comment = comment
    }

    /// Parses one key line; the error says what is wrong with it.
    public init(line: Substring) throws(PatchKeyError) {
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count >= 2, words[0] == PatchPublicKey.keyType else {
            throw PatchKeyError("expected \"\(PatchPublicKey.keyType) <base64 key> <comment>\"")
        }
        guard let raw = Base64.decode(words[1]), raw.count == 32 else {
            throw PatchKeyError("the key is not the base64 of 32 bytes")
        }
        self.init(rawKey: raw, comment: words.count > 2 ? String(words[2]).trimmingTrailingSpace : "")
    }

    /// SHA-256 of the raw key: the id a signature names its key by.
    public var keyID: SHA256Digest { SHA256.hash(rawKey) }

    /// The key's line, as `hotpatch keygen` writes it.
    public var line: String {
        PatchPublicKey.keyType + " " + Base64.encode(rawKey) + (comment.isEmpty ? "" : " " + comment)
    }

    /// How reports name the key: `<first 16 hex digits of the id> (<comment>)`.
    public var label: String { PatchPublicKey.label(keyID, comment: comment) }

    /// How reports name a key id and comment.
    public static func label(_ keyID: SHA256Digest, comment: String?) -> String {
        let short = String(keyID.hex.prefix(16))
        guard let comment, !comment.isEmpty else { return short }
        return "\(short) (\(comment))"
    }

    /// Parses a whole key list (the trusted-keys file): one key per line, `#` comments and blank
    /// lines ignored. The error names the first bad line by number.
    public static func list(_ text: String) throws(PatchKeyError) -> [PatchPublicKey] {
        var keys: [PatchPublicKey] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.first == "#" || line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" })
            {
                continue
            }
            do {
                keys.append(try PatchPublicKey(line: line))
            } catch {
                throw PatchKeyError("line \(number + 1): \(error.description)")
            }
        }
        return keys
    }
}

/// Why a key line or key file could not be used.
public struct PatchKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, for people.
    public let description: String
    /// Wraps a message.
    public init(_ description: String) { self.description = description }
}

extension String {
    fileprivate var trimmingTrailingSpace: String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return String(text)
    }
}
