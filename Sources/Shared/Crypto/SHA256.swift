import CSodium

/// SHA-256 through libsodium (`crypto_hash_sha256`), so the agent can hash patches (the content
/// hash in the patch memory header) and the coordinator can address uploads by content, with
/// one well-kept implementation on both sides. A value: a copy continues hashing on its own.
public struct SHA256: @unchecked Sendable {
    // @unchecked: the state is a plain C struct of integers and bytes, copied with the value.
    private var state = csodium_sha256_state()

    /// Starts an empty hash.
    public init() { csodium_sha256_init(&state) }

    /// The digest of `bytes` in one call.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> SHA256Digest where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Feeds more bytes (contiguous ones straight from their storage, others copied once).
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let fed: Void? = bytes.withContiguousStorageIfAvailable { feed($0) }
        if fed == nil { Array(bytes).withUnsafeBufferPointer { feed($0) } }
    }

    /// Finishes and returns the 32-byte digest; the hasher starts over afterwards.
    public mutating func finalize() -> SHA256Digest {
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { csodium_sha256_final(&state, $0.baseAddress) }
        csodium_sha256_init(&state)
        return SHA256Digest(bytes: digest)
    }

    private mutating func feed(_ buffer: UnsafeBufferPointer<UInt8>) {
        csodium_sha256_update(&state, buffer.baseAddress, buffer.count)
    }
}

/// A SHA-256 digest: 32 bytes, printed as lowercase hex like `sha256sum`.
public struct SHA256Digest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]
    /// Wraps 32 digest bytes (a caller bug traps on any other count).
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes, not \(bytes.count)")
        self.bytes = bytes
    }
    /// Lowercase hex, as `sha256sum` prints it.
    public var hex: String { HexDigits.encode(bytes) }
    /// The one-line text users see.
    public var description: String { hex }
}
