/// Who signed the patch an `apply` was about, as the agent's trust policy saw it.
public struct SignatureReport: Codable, Sendable, Equatable {
    /// SHA-256 of the signing key (hex), or nil when the patch is unsigned.
    public var keyID: String?
    /// The comment of the trusted key that verified the signature (from the host's trusted-keys
    /// file), or nil when it was not verified.
    public var comment: String?
    /// One line for people: `signed by 1a2b3c4d5e6f7a8b (ops@build)` or
    /// `unsigned; no trusted keys configured`.
    public var summary: String

    /// Describes a signature check.
    public init(keyID: String?, comment: String?, summary: String) {
        self.keyID = keyID
        self.comment = comment
        self.summary = summary
    }
}
