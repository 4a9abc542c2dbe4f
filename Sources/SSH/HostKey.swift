import Crypto
import Foundation

/// A server's host key as SSH carries it: the wire-format blob, whose first field
/// names the key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ...).
package struct HostKey: Sendable, Equatable {
    /// The key in SSH wire format (what known_hosts stores base64-encoded).
    let blob: [UInt8]
    /// The key type named inside the blob, or `unknown` when the blob is malformed.
    let type: String

    /// Wraps a wire-format key blob.
    init(blob: [UInt8]) {
        self.blob = blob
        self.type = HostKey.leadingString(of: blob) ?? "unknown"
    }

    /// The blob in base64, as in a known_hosts line.
    var base64: String { Data(blob).base64EncodedString() }

    /// OpenSSH's fingerprint format: `SHA256:` + base64 of the SHA-256, without padding.
    var fingerprint: String {
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// The first length-prefixed string of an SSH blob (big-endian u32 length, then bytes).
    private static func leadingString(of blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = blob[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= blob.count - 4 else { return nil }
        return String(decoding: blob[4..<(4 + length)], as: UTF8.self)
    }
}
