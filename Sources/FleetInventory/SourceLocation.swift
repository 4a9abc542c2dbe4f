/// Where something was written in an inventory file, so errors can point at the line to fix.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The inventory file as it was given (path on the coordinator).
    public let file: String
    /// The 1-based line number.
    public let line: Int

    /// Names a line of a file.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`, the form editors and compilers use.
    public var description: String { "\(file):\(line)" }
}
