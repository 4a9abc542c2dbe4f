/// The `.hotpatch.sig` section: which key signed the patch and the Ed25519 signature.
///
/// Every patch this version writes carries the section, all zero while unsigned, so signing
/// only fills in bytes and never moves anything: the file with this section's contents zeroed
/// is the same before and after signing, and that is what is signed and what the content hash
/// covers (re-signing does not change a patch's identity). Layout, little-endian, 104 bytes:
///
/// ```
/// version u32 (0 unsigned, 1 Ed25519) | flags u32 (0) | key id (32) | signature (64)
/// ```
public struct PatchSignature: Sendable, Equatable {
    /// The section's name.
    public static let sectionName = ".hotpatch.sig"
    /// The section's fixed size in bytes.
    public static let size = 104
    /// The only signed version this build knows: an Ed25519 signature over ``message(_:)``.
    public static let ed25519Version: UInt32 = 1
    /// Prefix of every signed message, so a signature made for a patch can never be taken for a
    /// signature over anything else the same key signs (domain separation).
    public static let domain: [UInt8] = Array("hotpatch patch signature v1\n".utf8)

    /// SHA-256 of the raw 32-byte Ed25519 public key (see ``PatchPublicKey/keyID``).
    public let keyID: SHA256Digest
    /// The 64-byte Ed25519 signature.
    public let signature: [UInt8]

    /// A signature by the key with id `keyID`.
    public init(keyID: SHA256Digest, signature: [UInt8]) {
        precondition(keyID.bytes.count == 32 && signature.count == 64, "Ed25519 sizes")
        self.keyID = keyID
        self.signature = signature
    }

    /// Decodes a section's contents: nil when all zero (unsigned), else a signature.
    public init?(decoding contents: ArraySlice<UInt8>) throws {
        guard contents.count == PatchSignature.size else {
            throw PatchFormatError.malformed(
                "\(PatchSignature.sectionName) is \(contents.count) bytes, expected \(PatchSignature.size)")
        }
        if contents.allSatisfy({ $0 == 0 }) { return nil }
        let start = contents.startIndex
        let version = PatchSignature.u32(contents, start)
        let flags = PatchSignature.u32(contents, start + 4)
        guard version == PatchSignature.ed25519Version else {
            throw PatchFormatError.versionTooNew(found: version, supported: PatchSignature.ed25519Version)
        }
        guard flags == 0 else {
            throw PatchFormatError.malformed("\(PatchSignature.sectionName) has unknown flags \(flags)")
        }
        keyID = SHA256Digest(bytes: Array(contents[(start + 8)..<(start + 40)]))
        signature = Array(contents[(start + 40)..<(start + 104)])
    }

    /// The section's contents for this signature.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(PatchSignature.size)
        for value in [PatchSignature.ed25519Version, 0] {
            bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
        }
        return bytes + keyID.bytes + signature
    }

    /// The unsigned section writers append after `.hotpatch`, reserving room for a signature.
    public static var unsignedSection: ELFObjectWriter.Section {
        ELFObjectWriter.Section(
            name: sectionName, flags: [], alignment: 8, bytes: [UInt8](repeating: 0, count: size))
    }

    /// The message an Ed25519 signature covers: ``domain`` followed by `content`, the whole file
    /// with the signature section's contents zeroed (``PatchFile/content``).
    public static func message(_ content: [UInt8]) -> [UInt8] { domain + content }

    private static func u32(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << ($1 * 8) }
    }
}
