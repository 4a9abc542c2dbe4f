/// Why `hotpatch create` refused: one line saying what, where (symbol, file) and the fix.
package struct PatchCreationError: Error, CustomStringConvertible {
    /// The message the user sees after `Error:`.
    package let description: String
    /// Wraps a message.
    package init(_ description: String) { self.description = description }
}
