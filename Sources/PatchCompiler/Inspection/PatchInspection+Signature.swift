import Crypto
import Shared

extension PatchInspection {
    /// "unsigned", or who signed; checked against `keys` when given (`inspect --trusted-keys`),
    /// with the same verdict the agent would reach on a host trusting exactly those keys.
    static func describeSignature(_ patch: PatchFile, trusting keys: [PatchPublicKey]?) -> String {
        guard let signature = patch.signature else { return "unsigned" }
        let short = String(signature.keyID.hex.prefix(16))
        guard let keys else { return "signed by key \(short) (not verified: pass --trusted-keys FILE)" }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            return "signed by key \(short), which is NOT among the \(keys.count) trusted keys"
        }
        let valid =
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key.rawKey))?.isValidSignature(
                signature.signature, for: PatchSignature.message(patch.content)) ?? false
        return valid
            ? "signed by \(key.label), verified"
            : "signed by \(key.label), INVALID: the file changed after signing"
    }
}
