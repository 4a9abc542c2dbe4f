/// A command line that cannot be run, with what to do about it.
package struct UsageError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    package let description: String
    package init(_ description: String) { self.description = description }
}
