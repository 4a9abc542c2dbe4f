/// An inventory that cannot be used as written. Always names the file and line (when there is
/// one) and says what to write instead; nothing in an inventory is ever silently skipped.
public struct InventoryError: Error, Sendable, CustomStringConvertible {
    /// Where the problem is; nil for problems of the file as a whole (unreadable, empty).
    public let location: SourceLocation?
    /// What is wrong and how to fix it.
    public let message: String

    /// An error at a line.
    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    /// An error of the whole file.
    public init(_ message: String, file: String) {
        self.message = "\(file): \(message)"
        self.location = nil
    }

    /// `file:line: message`, or just the message for whole-file problems.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}
