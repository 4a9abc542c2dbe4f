/// Why building a patch from source stopped: what failed, where, and what to do next.
public struct SourceBuildError: Error, CustomStringConvertible {
    /// The message the user sees after `Error:`.
    public let description: String
    /// Wraps a message.
    public init(_ description: String) { self.description = description }
}
