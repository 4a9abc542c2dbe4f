/// The step of talking to a host where something failed; the rollout engine counts
/// connect/handshake/hostkey/auth failures as "unreachable" and the rest as "failed".
package enum ConnectionPhase: String, Sendable, Codable, CaseIterable {
    case connect, handshake, hostkey, auth, exec, sftp

    /// True for the phases before any command ran: the host was never reached for real.
    package var meansUnreachable: Bool {
        switch self {
        case .connect, .handshake, .hostkey, .auth: true
        case .exec, .sftp: false
        }
    }
}

/// A failure talking to one host: which host, in which phase, what happened (one readable
/// line) and what to do about it.
package struct HostConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host, as `name (user@address:port)`.
    package let host: String
    /// Where it failed.
    package let phase: ConnectionPhase
    /// What happened, in one line.
    package let message: String
    /// What the user should do next.
    package let nextStep: String
    /// True when the failure was a deadline running out (connect, command or whole-host).
    package let isTimeout: Bool
    /// True when the request provably never reached a program on the host: the session was
    /// already closed, or the server never opened a channel for it. Such a request may be
    /// sent again on a new session without running anything twice.
    package let nothingRan: Bool
    /// True when the command wrote more than `OutputLimits.ceilingBytes` and was cut off.
    package let isFlood: Bool

    /// Builds an error.
    package init(
        host: String, phase: ConnectionPhase, message: String, nextStep: String, isTimeout: Bool = false,
        nothingRan: Bool = false, isFlood: Bool = false
    ) {
        self.host = host
        self.phase = phase
        self.message = message
        self.nextStep = nextStep
        self.isTimeout = isTimeout
        self.nothingRan = nothingRan
        self.isFlood = isFlood
    }

    /// `host: phase: message; next: step` on one line.
    package var description: String { "\(host): \(phase.rawValue): \(message); next: \(nextStep)" }
}
