import Foundation
import Shared
import TestSupport

/// Signs patches with the `openssl` command line, independently of hotpatch's own signer: the
/// agent's libsodium check must accept what plain OpenSSL makes from the documented scheme.
struct OpenSSLSigner {
    /// The PKCS#8 PEM private key (`openssl genpkey -algorithm ed25519`).
    let keyPath: String
    /// The public half.
    let publicKey: PatchPublicKey

    /// A new key in `directory` named `name`, with `comment` on its public line.
    init(directory: String, name: String, comment: String) throws {
        keyPath = directory + "/" + name + ".pem"
        try OpenSSLSigner.openssl(["genpkey", "-algorithm", "ed25519", "-out", keyPath])
        let der = directory + "/" + name + ".pub.der"
        try OpenSSLSigner.openssl(["pkey", "-in", keyPath, "-pubout", "-outform", "DER", "-out", der])
        // SubjectPublicKeyInfo for Ed25519 is a 12-byte header, then the 32 raw key bytes.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: der)))
        publicKey = PatchPublicKey(rawKey: Array(bytes.suffix(32)), comment: comment)
    }

    /// Writes a copy of the patch at `path` signed with this key to `output` (default: in place).
    @discardableResult
    func sign(_ path: String, output: String? = nil) throws -> String {
        let patch = try PatchFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        let message = path + ".message"
        let signature = path + ".signature"
        defer {
            try? FileManager.default.removeItem(atPath: message)
            try? FileManager.default.removeItem(atPath: signature)
        }
        try Data(PatchSignature.message(patch.content)).write(to: URL(fileURLWithPath: message))
        try OpenSSLSigner.openssl([
            "pkeyutl", "-sign", "-rawin", "-inkey", keyPath, "-in", message, "-out", signature,
        ])
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: signature)))
        let signed = try patch.bytes(signedWith: PatchSignature(keyID: publicKey.keyID, signature: raw))
        let target = output ?? path
        try Data(signed).write(to: URL(fileURLWithPath: target))
        return target
    }

    @discardableResult
    static func openssl(_ arguments: [String]) throws -> ProgramResult {
        let result = try Subprocess.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw TestPatchError("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }
}
