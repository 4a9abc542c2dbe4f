import Foundation
import Synchronization

/// A host's request for a tunnel, handed from the host's thread to the bastion's pump: the
/// host waits (bounded by its connect deadline) until the pump opened the channel or gave up.
final class BastionTunnelRequest: Sendable {
    /// Where the bastion should connect.
    let host: String
    /// The port there.
    let port: Int
    private let state = Mutex(State.pending)
    private let done = DispatchSemaphore(value: 0)

    /// Where a request stands.
    enum State: Sendable {
        case pending
        case opened(Int32)
        case refused(String)
        case cancelled
    }

    /// A pending request.
    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// True once the waiting host gave up.
    var isCancelled: Bool {
        state.withLock { if case .cancelled = $0 { return true } else { return false } }
    }

    /// The pump's answer; false when the host had already given up (the pump then closes
    /// what it opened).
    @discardableResult
    func finish(_ outcome: State) -> Bool {
        let delivered = state.withLock { current -> Bool in
            guard case .pending = current else { return false }
            current = outcome
            return true
        }
        if delivered { done.signal() }
        return delivered
    }

    /// Waits for the pump's answer until `deadline`; on timeout the request is cancelled.
    func await(until deadline: ContinuousClock.Instant) throws(BastionTunnelError) -> Int32 {
        let remaining = deadline - .now
        let (seconds, attoseconds) = max(remaining, .zero).components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        _ = done.wait(timeout: .now() + .nanoseconds(nanoseconds))
        let outcome = state.withLock { current -> State in
            if case .pending = current { current = .cancelled }
            return current
        }
        switch outcome {
        case .opened(let fd): return fd
        case .refused(let reason): throw BastionTunnelError(message: reason, isTimeout: false)
        case .pending, .cancelled:
            throw BastionTunnelError(message: "the bastion did not open the channel in time", isTimeout: true)
        }
    }
}

/// Why a tunnel through a bastion could not be opened.
struct BastionTunnelError: Error, Sendable {
    /// What happened, e.g. `channel open refused: Connect failed (libssh2 -21)`.
    let message: String
    /// True when the host's connect deadline ran out first.
    let isTimeout: Bool
}
