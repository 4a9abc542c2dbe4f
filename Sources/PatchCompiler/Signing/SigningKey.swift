import Crypto
import Foundation
import Shared

/// An Ed25519 private key for signing patches, stored as PKCS#8 PEM ("PRIVATE KEY"), the format
/// `openssl genpkey -algorithm ed25519` writes and reads, so keys can live in existing tooling.
package struct SigningKey {
    /// The swift-crypto key.
    package let key: Curve25519.Signing.PrivateKey

    /// DER of PKCS#8 v1 for Ed25519 up to the 32-byte seed (RFC 8410, section 7).
    private static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
    /// The same for PKCS#8 v2 (OneAsymmetricKey), which appends the public key after the seed.
    private static let pkcs8v2Prefix: [UInt8] = [
        0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
    private static let begin = "-----BEGIN PRIVATE KEY-----"
    private static let end = "-----END PRIVATE KEY-----"

    /// A fresh random key.
    package init() { key = Curve25519.Signing.PrivateKey() }

    /// Reads a PKCS#8 PEM Ed25519 key (ours or OpenSSL's).
    package init(pem text: String, path: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            throw SigningKeyError(
                "\(path) is encrypted; decrypt it first: openssl pkey -in \(path) -out PLAIN.pem (keep it 0600)"
            )
        }
        guard let first = lines.firstIndex(of: SigningKey.begin),
            let last = lines[first...].firstIndex(of: SigningKey.end),
            let der = Data(base64Encoded: lines[(first + 1)..<last].joined())
        else {
            throw SigningKeyError(
                "\(path) holds no PEM \"PRIVATE KEY\" block; make one with `hotpatch keygen` or "
                    + "`openssl genpkey -algorithm ed25519`")
        }
        let bytes = [UInt8](der)
        let v1 = bytes.count == 48 && bytes.starts(with: SigningKey.pkcs8Prefix)
        let v2 = bytes.count == 83 && bytes.starts(with: SigningKey.pkcs8v2Prefix)
        guard v1 || v2 else {
            throw SigningKeyError(
                "\(path) is not an Ed25519 PKCS#8 key (RSA or ECDSA keys cannot sign patches); "
                    + "make one with `hotpatch keygen --out NAME`")
        }
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: bytes[16..<48])
    }

    /// Reads the key file at `path`.
    package init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SigningKeyError(
                "cannot read the signing key \(path); check the path and that you may read it")
        }
        try self.init(pem: String(decoding: data, as: UTF8.self), path: path)
    }

    /// The key as PKCS#8 PEM.
    package var pem: String {
        let der = Data(SigningKey.pkcs8Prefix + [UInt8](key.rawRepresentation))
        return SigningKey.begin + "\n" + der.base64EncodedString(options: [.lineLength64Characters])
            + "\n" + SigningKey.end + "\n"
    }

    /// The public half, with `comment`.
    package func publicKey(comment: String) -> PatchPublicKey {
        PatchPublicKey(rawKey: [UInt8](key.publicKey.rawRepresentation), comment: comment)
    }

    /// Signs a patch: the returned file carries this key's signature over its content (any
    /// earlier signature is replaced; the content hash stays the same).
    package func sign(_ patch: PatchFile) throws -> [UInt8] {
        let publicKey = publicKey(comment: "")
        let signature = try key.signature(for: PatchSignature.message(patch.content))
        let signed = try patch.bytes(
            signedWith: PatchSignature(keyID: publicKey.keyID, signature: [UInt8](signature)))
        // Read it back: what we write must load and carry exactly this signature.
        guard try PatchFile(bytes: signed).signature?.keyID == publicKey.keyID else {
            throw SigningKeyError("internal error: the signed patch did not read back with its signature")
        }
        return signed
    }
}

/// Why a key could not be made, read or used; says what to do.
package struct SigningKeyError: Error, CustomStringConvertible {
    /// The message for people.
    package let description: String
    package init(_ description: String) { self.description = description }
}
