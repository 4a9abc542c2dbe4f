import Shared

/// Decides whether this host may apply a patch, from its signature and the host's policy
/// (``TrustedKeys``), before any process is touched.
enum PatchTrust {
    /// Checks `patch` against `policy`: the report's signature entry when it may be applied,
    /// else an `untrusted` failure that names the patch, the key and the fix.
    static func check(_ patch: PatchFile, path: String, policy: TrustedKeys.Policy) throws(AgentFailure)
        -> SignatureReport
    {
        guard case .trusted(let keys) = policy else {
            guard let signature = patch.signature else {
                return SignatureReport(
                    keyID: nil, comment: nil, summary: "unsigned; no trusted keys configured")
            }
            return SignatureReport(
                keyID: signature.keyID.hex, comment: nil,
                summary: "signed by key \(PatchPublicKey.label(signature.keyID, comment: nil)) "
                    + "(not verified: no trusted keys configured)")
        }
        let fix = "sign it with a key listed in \(TrustedKeys.path) (hotpatch sign PATCH --key KEY)"
        guard let signature = patch.signature else {
            throw refusal(
                "\(path) (patch \(patch.id)) is unsigned and this host applies only signed patches; \(fix)")
        }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            throw refusal(
                "\(path) (patch \(patch.id)) is signed by key \(signature.keyID.hex.prefix(16)), which is not in "
                    + "\(TrustedKeys.path) (\(keys.count) trusted); \(fix), or add that key's .pub line there"
            )
        }
        let message = PatchSignature.message(patch.content)
        guard
            Syscalls.verifyEd25519(
                publicKey: key.rawKey, signature: signature.signature, message: message)
        else {
            throw refusal(
                "\(path) (patch \(patch.id)) does not match its signature by \(key.label): it was changed after "
                    + "signing or damaged in transit; use the file as signed, or sign it again")
        }
        return SignatureReport(keyID: key.keyID.hex, comment: key.comment, summary: "signed by \(key.label)")
    }

    private static func refusal(_ why: String) -> AgentFailure {
        AgentFailure(.untrusted, "refused, nothing touched: " + why)
    }
}
