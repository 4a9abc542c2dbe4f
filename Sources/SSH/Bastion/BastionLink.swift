import Foundation
import Synchronization

/// One logged-in SSH session to a jump host, shared by every host reached through it: each
/// host gets a `direct-tcpip` channel (`openTunnel`), and its own `SSHSession` runs over a
/// socket pair whose other end this link's pump thread relays to and from that channel.
///
/// Concurrency design: libssh2 sessions are not thread-safe, so after login exactly one thread,
/// the pump, ever calls libssh2 on the bastion's session. Other threads only queue channel-open
/// requests (under a mutex) and wake the pump through an eventfd. The pump uses non-blocking
/// libssh2 calls and sleeps in `poll` on the bastion's socket, the wake descriptor and every
/// tunnel's socket-pair end, so it costs no CPU while the hosts are quiet.
final class BastionLink: @unchecked Sendable {
    // @unchecked Sendable: `tunnels` and `stalled` are touched only by the pump thread; the
    // rest is immutable or behind `shared`.

    /// `user@host:port` of the jump host, the name every message about it uses.
    let label: String
    private let session: SSHSession
    private let wake: (read: Int32, write: Int32)
    private let shared = Mutex(Shared())
    private let finished = DispatchSemaphore(value: 0)
    private var tunnels: [BastionTunnel] = []
    private var stalled: (tunnel: BastionTunnel?, call: BastionTunnel.Call?)?
    private var opening: [BastionTunnelRequest] = []

    /// What other threads share with the pump.
    private struct Shared {
        var requests: [BastionTunnelRequest] = []
        var stopping = false
        var broken: String?
        var tunnelsOpened = 0
    }

    /// Takes over `session` (connected, verified and logged in) and starts the pump.
    init(session: SSHSession) {
        self.session = session
        label = session.endpoint.hopLabel
        // Without a wake pipe (out of descriptors) the pump still runs, polling every 50 ms.
        wake = LibSSH2.makeWakePipe() ?? (-1, -1)
        let thread = Thread { [self] in pump() }
        thread.stackSize = 512 * 1024
        thread.name = "bastion \(label)"
        thread.start()
    }

    /// Why the link cannot carry new tunnels (the session broke or was closed); nil while usable.
    var brokenReason: String? { shared.withLock { $0.broken ?? ($0.stopping ? "it was closed" : nil) } }

    /// How many tunnels this link has opened so far.
    var tunnelsOpened: Int { shared.withLock { $0.tunnelsOpened } }

    /// Asks the bastion to connect to `host:port` and returns the local socket the host's own
    /// session should use; throws why not (refused by the bastion, the link broke, timed out).
    func openTunnel(host: String, port: Int, until deadline: ContinuousClock.Instant)
        throws(BastionTunnelError)
        -> Int32
    {
        let request = BastionTunnelRequest(host: host, port: port)
        let refusal: String? = shared.withLock { state in
            if let broken = state.broken { return "the connection to the bastion broke: \(broken)" }
            if state.stopping { return "the connection to the bastion was closed" }
            state.requests.append(request)
            return nil
        }
        if let refusal { throw BastionTunnelError(message: refusal, isTimeout: false) }
        LibSSH2.wake(wake.write)
        return try request.await(until: deadline)
    }

    /// Stops the pump, closes every tunnel and the bastion's session, and waits for that.
    /// Called once, when the last host behind the bastion is done.
    func close() {
        shared.withLock { $0.stopping = true }
        LibSSH2.wake(wake.write)
        finished.wait()
        LibSSH2.closeSocket(wake.read)
        LibSSH2.closeSocket(wake.write)
    }

    // MARK: - The pump (its own thread)

    private func pump() {
        defer { finished.signal() }
        guard let handle = session.handle else {
            shutDown(reason: "the bastion session was not open", handle: nil)
            return
        }
        var quietPasses = 0
        while true {
            let (incoming, stopping) = shared.withLock { state in
                defer { state.requests = [] }
                return (state.requests, state.stopping)
            }
            if stopping { break }
            opening += incoming
            switch onePass(handle) {
            case .sessionFailed(let code, let text):
                shutDown(reason: "\(text) (libssh2 \(code))", handle: handle)
                return
            case .progressed:
                quietPasses = 0
                continue
            case .stalledSending:
                waitForEvents(handle, bastionWrite: true)
            case .idle:
                // libssh2 may have queued data for a tunnel read earlier in the pass while
                // reading for a later one: one more pass before sleeping catches it.
                quietPasses += 1
                if quietPasses >= 2 {
                    waitForEvents(handle, bastionWrite: false)
                    quietPasses = 0
                }
            }
        }
        shutDown(reason: "it was closed", handle: handle)
    }

    /// Repeats a stalled call first (nothing else may touch the session before it completes),
    /// then opens queued channels, then moves bytes on every tunnel.
    private func onePass(_ handle: OpaquePointer) -> BastionTunnel.StepResult {
        var progressed = false
        if let stalled {
            let result: BastionTunnel.StepResult
            if let tunnel = stalled.tunnel, let call = stalled.call {
                result = tunnel.run(call, session: handle)
            } else {
                result = openNext(handle)
            }
            if result == .stalledSending || isFailure(result) { return result }
            self.stalled = nil
            progressed = true
        }
        let opened = openNext(handle)
        if opened == .stalledSending { stalled = (nil, nil) }
        if opened != .idle && opened != .progressed { return opened }
        progressed = progressed || opened == .progressed
        for tunnel in tunnels {
            let (result, call) = tunnel.pass(session: handle)
            if result == .stalledSending { stalled = (tunnel, call) }
            if result != .idle && result != .progressed { return result }
            progressed = progressed || result == .progressed
        }
        tunnels.removeAll(where: \.isFinished)
        return progressed ? .progressed : .idle
    }

    private func isFailure(_ result: BastionTunnel.StepResult) -> Bool {
        if case .sessionFailed = result { return true }
        return false
    }

    /// Opens the first queued channel (libssh2 opens one channel at a time per session).
    private func openNext(_ handle: OpaquePointer) -> BastionTunnel.StepResult {
        var progressed = false
        while let request = opening.first {
            if request.isCancelled {
                opening.removeFirst()
                continue
            }
            guard let channel = LibSSH2.openDirectTCPIP(handle, host: request.host, port: request.port) else {
                let code = LibSSH2.lastErrorNumber(handle)
                if code == LibSSH2.again {
                    return LibSSH2.blockDirections(handle).write
                        ? .stalledSending : (progressed ? .progressed : .idle)
                }
                let text = LibSSH2.lastErrorMessage(handle)
                if LibSSH2.sessionFatalCodes.contains(code) { return .sessionFailed(code, text) }
                opening.removeFirst()
                request.finish(.refused("channel open refused: \(text) (libssh2 \(code))"))
                progressed = true
                continue
            }
            opening.removeFirst()
            progressed = true
            guard let (ours, theirs) = LibSSH2.socketPair() else {
                _ = LibSSH2.freeChannel(channel)
                request.finish(.refused("cannot make a socket pair for the tunnel (out of descriptors?)"))
                continue
            }
            let destination = "\(request.host):\(request.port)"
            if request.finish(.opened(theirs)) {
                tunnels.append(BastionTunnel(channel: channel, fd: ours, destination: destination))
                shared.withLock { $0.tunnelsOpened += 1 }
            } else {
                // The host gave up waiting meanwhile: nobody will use this tunnel.
                LibSSH2.closeSocket(theirs)
                BastionTunnel(channel: channel, fd: ours, destination: destination).abandon(session: handle)
            }
        }
        return progressed ? .progressed : .idle
    }

    /// Sleeps until the bastion's socket, a tunnel's socket or the wake descriptor is ready.
    /// A 50 ms cap bounds the cost of any readiness libssh2 hides in its own buffers.
    private func waitForEvents(_ handle: OpaquePointer, bastionWrite: Bool) {
        let directions = LibSSH2.blockDirections(handle)
        var entries = [
            LibSSH2.PollEntry(fd: wake.read, read: true, write: false),
            LibSSH2.PollEntry(
                fd: session.socket, read: !tunnels.isEmpty || !opening.isEmpty,
                write: bastionWrite || directions.write),
        ]
        if stalled == nil {
            for tunnel in tunnels where tunnel.wantsLocalRead || tunnel.wantsLocalWrite {
                entries.append(
                    LibSSH2.PollEntry(
                        fd: tunnel.fd, read: tunnel.wantsLocalRead, write: tunnel.wantsLocalWrite))
            }
        }
        let idle = tunnels.isEmpty && opening.isEmpty && wake.read >= 0
        LibSSH2.pollMany(entries, timeoutMilliseconds: idle ? 1000 : 50)
        LibSSH2.drainWake(wake.read)
    }

    /// Marks the link broken (or closed), fails every waiting request naming the reason, closes
    /// every tunnel (each host's session then sees its connection end) and the session.
    private func shutDown(reason: String, handle: OpaquePointer?) {
        let late = shared.withLock { state in
            if !state.stopping { state.broken = reason }
            state.stopping = true
            defer { state.requests = [] }
            return state.requests
        }
        for request in opening + late {
            request.finish(.refused("the connection to the bastion broke: \(reason)"))
        }
        opening = []
        for tunnel in tunnels { tunnel.abandon(session: handle) }
        tunnels = []
        session.close()
    }
}
