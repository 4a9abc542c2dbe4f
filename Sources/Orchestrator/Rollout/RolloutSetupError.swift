/// A reason a command cannot start (bad patch, inventory, journal), with what to do.
struct RolloutSetupError: Error, CustomStringConvertible {
    /// The whole message.
    let description: String

    /// A message saying what failed and what to do next.
    init(_ description: String) { self.description = description }
}
