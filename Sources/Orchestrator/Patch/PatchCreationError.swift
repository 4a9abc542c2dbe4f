/// Why `hotpatch create` refused: one line saying what, where (symbol, file) and the fix.
struct PatchCreationError: Error, CustomStringConvertible {
    /// The message the user sees after `Error:`.
    let description: String
    /// Wraps a message.
    init(_ description: String) { self.description = description }
}
