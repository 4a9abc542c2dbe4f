/// A reason a command cannot start (bad patch, inventory, journal), with what to do.
package struct RolloutSetupError: Error, CustomStringConvertible {
    /// The whole message.
    package let description: String

    /// A message saying what failed and what to do next.
    package init(_ description: String) { self.description = description }
}
