/// The version both binaries print and the coordinator checks against the agent's.
public enum HotpatchVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
