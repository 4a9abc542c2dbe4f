import Foundation

/// One SSH connection to one host over libssh2: connected, host key verified against
/// known_hosts, and authenticated by the time `init` returns.
///
/// Concurrency design: each session runs libssh2 in non-blocking mode on its own socket and
/// waits with `poll` between calls, so every step has a deadline (connect, login, command,
/// whole host) and keepalives go out while a command runs. Calls on one session are
/// serialized by a lock (libssh2 forbids concurrent use of one session); different sessions
/// run fully in parallel on different threads after the one process-wide `libssh2_init`. A
/// blocked session sleeps in `poll`, costing no CPU, so hundreds of sessions on two cores are
/// fine; run each on its own thread (see `SSHSession.onDedicatedThread`), never on Swift's
/// cooperative pool, whose few threads must not block.
package final class SSHSession: HostConnection, @unchecked Sendable {
    // @unchecked Sendable: the mutable state (`handle`, `socket`, `keepaliveOn`, caches) is only
    // touched with `lock` held, or in `init` before the object is shared.

    /// Where this session is connected.
    let endpoint: SSHEndpoint
    /// The host key the server presented (and known_hosts vouched for).
    var hostKey = HostKey(blob: [])
    /// How the session authenticated, e.g. `ssh-agent key me@laptop` or a key file path.
    var authenticatedWith = ""

    let options: SSHOptions
    let lock = NSLock()
    var handle: OpaquePointer?
    var socket: Int32 = -1
    var keepaliveOn = false
    let hostDeadline: ContinuousClock.Instant?
    /// The verified private upload folder, once made.
    var privateDirectory: String?
    /// The bastion this session is tunnelled through (`ProxyJump`), nil for a direct TCP
    /// connection; released when the session closes, so the last host closes the bastion.
    let jumpLease: BastionLease?
    /// Remote path -> `sha256:mode` of the files this session uploaded or found by hash, so a
    /// later phase of the same rollout (checks, revert) does not hash a 7 MB agent again.
    var verifiedUploads: [String: String] = [:]

    /// True until the session is closed (by `close`, or by a failure that left libssh2 in an
    /// unknown state): a pool keeps only open sessions.
    package var isOpen: Bool {
        lock.lock()
        defer { lock.unlock() }
        return handle != nil
    }

    /// The inventory name (HostConnection).
    package var hostName: String { endpoint.name }

    /// Connects, verifies the host key, then authenticates, in that order: nothing is sent to
    /// a server whose key is not trusted. Everything opened is released if a step fails.
    /// `jump`: reach the host through that bastion's `direct-tcpip` channel instead of TCP
    /// (the host key is still checked under the host's own name and port).
    package init(endpoint: SSHEndpoint, options: SSHOptions, through jump: BastionLease? = nil)
        throws(HostConnectionError)
    {
        self.endpoint = endpoint
        self.options = options
        jumpLease = jump
        let start = ContinuousClock.now
        hostDeadline = options.hostTimeout.map { start + $0 }
        do throws(HostConnectionError) {
            try openSocket()  // TCP, bounded by the connect timeout
            try handshake()  // banner and key exchange, bounded by the connect timeout too
            try verifyHostKey()  // known_hosts decides before any credential leaves
            try authenticate(until: deadline(after: options.loginTimeout, from: start))
            LibSSH2.configureKeepalive(handle!, intervalSeconds: options.keepaliveInterval)
            keepaliveOn = options.keepaliveInterval > 0
        } catch {
            releaseLocked()
            throw error
        }
    }

    deinit { releaseLocked() }

    /// Disconnects and frees the session and socket. Safe to call more than once.
    package func close() {
        lock.lock()
        defer { lock.unlock() }
        releaseLocked()
    }

    /// Runs `body` on a new thread of its own and awaits it: the way to drive blocking
    /// sessions from async code without starving Swift's cooperative thread pool.
    static func onDedicatedThread<T: Sendable>(
        _ body: @escaping @Sendable () throws(HostConnectionError) -> T
    ) async throws(HostConnectionError) -> T {
        let result: Result<T, HostConnectionError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(HostConnectionError) { continuation.resume(returning: .success(try body())) } catch
                {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        return try result.get()
    }

    // MARK: - Steps of init

    private func openSocket() throws(HostConnectionError) {
        let limit = deadline(after: options.connectTimeout)
        if let jumpLease {
            try openTunnel(jumpLease, until: limit)
            return
        }
        switch LibSSH2.connectTCP(
            host: endpoint.hostName, port: endpoint.port, timeoutMilliseconds: milliseconds(until: limit))
        {
        case .connected(let fd):
            socket = fd
        case .timedOut:
            throw failure(
                .connect,
                "no TCP connection to \(endpoint.hostName):\(endpoint.port) within \(options.connectTimeout)",
                next: "check that the host is up and reachable, or raise the connect timeout", timeout: true)
        case .failed(let reason):
            throw failure(
                .connect, "TCP connect to \(endpoint.hostName):\(endpoint.port) failed: \(reason)",
                next: "check that sshd runs on the host and listens on port \(endpoint.port) (ansible_port)")
        }
    }

    /// The bastion connects to the host for us; this session talks SSH over the tunnel's socket.
    private func openTunnel(_ lease: BastionLease, until limit: ContinuousClock.Instant)
        throws(HostConnectionError)
    {
        guard let link = lease.link else {
            throw failure(.connect, "the bastion connection is gone", next: "retry")
        }
        do {
            socket = try link.openTunnel(host: endpoint.hostName, port: endpoint.port, until: limit)
        } catch {
            throw failure(
                .connect, "through bastion \(link.label): \(error.message)",
                next:
                    "check that \(endpoint.hostName):\(endpoint.port) runs sshd and is reachable from the bastion, and that the bastion allows TCP forwarding (AllowTcpForwarding)",
                timeout: error.isTimeout)
        }
    }

    private func handshake() throws(HostConnectionError) {
        guard let session = LibSSH2.sessionInit() else {
            throw failure(
                .handshake, "libssh2 could not create a session", next: "check memory and the libssh2 install"
            )
        }
        handle = session
        preferRecordedHostKeyTypes(session)
        // Like OpenSSH's ConnectTimeout, the bound covers the server's banner too, so a port
        // that accepts but never speaks fails as fast as one that never answers.
        let limit = deadline(after: options.connectTimeout)
        let rc = try retry(.handshake, until: limit, doing: "the SSH handshake") {
            LibSSH2.handshake(session, socket: socket)
        }
        guard rc == 0 else {
            throw failure(
                .handshake, "SSH handshake failed: \(LibSSH2.lastErrorMessage(session)) (libssh2 \(rc))",
                next:
                    "check that port \(endpoint.port) is an SSH server and allows algorithms libssh2 1.10 supports"
            )
        }
    }

    // MARK: - Waiting (used by every step)

    /// The earlier of `now + duration` and the whole-host deadline.
    func deadline(after duration: Duration, from start: ContinuousClock.Instant = .now)
        -> ContinuousClock.Instant
    {
        let own = start + duration
        guard let hostDeadline else { return own }
        return min(own, hostDeadline)
    }

    func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = deadline - .now
        guard remaining > .zero else { return 0 }
        let (seconds, attoseconds) = remaining.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    /// Calls `call` until it returns something other than EAGAIN, waiting on the socket
    /// between tries; throws a timeout for `phase` when `deadline` passes first.
    func retry(
        _ phase: ConnectionPhase, until deadline: ContinuousClock.Instant, doing what: String,
        _ call: () -> Int32
    ) throws(HostConnectionError) -> Int32 {
        while true {
            let rc = call()
            if rc != LibSSH2.again { return rc }
            try waitForSocket(phase, until: deadline, doing: what)
        }
    }

    /// `retry` for calls that return a handle, or nil with EAGAIN as the session's last error.
    func retryHandle(
        _ phase: ConnectionPhase, until deadline: ContinuousClock.Instant, doing what: String,
        _ call: () -> OpaquePointer?
    ) throws(HostConnectionError) -> OpaquePointer? {
        while true {
            if let result = call() { return result }
            guard let handle, LibSSH2.lastErrorNumber(handle) == LibSSH2.again else { return nil }
            try waitForSocket(phase, until: deadline, doing: what)
        }
    }

    /// Sleeps in `poll` until the socket is ready the way libssh2 last wanted, sending
    /// keepalives when they fall due.
    func waitForSocket(
        _ phase: ConnectionPhase, until deadline: ContinuousClock.Instant, doing what: String
    ) throws(HostConnectionError) {
        var wait = milliseconds(until: deadline)
        guard wait > 0 else {
            let whole = hostDeadline.map { deadline >= $0 } ?? false
            throw failure(
                phase, "timed out during \(what)" + (whole ? " (whole-host deadline reached)" : ""),
                next: whole
                    ? "raise the host timeout, or look at why this host is slow"
                    : "raise the timeout for this step, or look at why the host is slow",
                timeout: true)
        }
        if keepaliveOn, let handle {
            wait = min(wait, Int32(clamping: max(1, LibSSH2.sendKeepalive(handle)) * 1000))
        }
        let directions = handle.map(LibSSH2.blockDirections) ?? (read: true, write: false)
        let read = directions.read || !directions.write
        if case .failed(let reason) = LibSSH2.waitSocket(
            socket, read: read, write: directions.write, timeoutMilliseconds: wait)
        {
            throw failure(
                phase, "waiting for the server during \(what) failed: \(reason)",
                next: "retry; check the network")
        }
    }

    /// A typed error for this host. `nothingRan`: the request never reached a program on the
    /// host (see `HostConnectionError.nothingRan`).
    func failure(
        _ phase: ConnectionPhase, _ message: String, next: String, timeout: Bool = false,
        nothingRan: Bool = false
    ) -> HostConnectionError {
        var message = message
        // A host behind a broken bastion fails because of the bastion: say so.
        if let link = jumpLease?.link, let reason = link.brokenReason, !message.hasPrefix("through bastion") {
            message += " (through bastion \(link.label), whose connection broke: \(reason))"
        }
        return HostConnectionError(
            host: endpoint.label, phase: phase, message: message, nextStep: next, isTimeout: timeout,
            nothingRan: nothingRan)
    }

    /// Says goodbye if the connection still works (briefly), then frees everything. Caller
    /// holds the lock (or is `init`/`deinit`).
    func releaseLocked() {
        if let session = handle {
            handle = nil
            keepaliveOn = false
            if socket >= 0 {
                // Best effort: a dead peer must not hold up cleanup for more than a second.
                let limit = ContinuousClock.now + .seconds(1)
                while LibSSH2.disconnect(session, reason: "hotpatch done") == LibSSH2.again,
                    ContinuousClock.now < limit
                {
                    let directions = LibSSH2.blockDirections(session)
                    _ = LibSSH2.waitSocket(
                        socket, read: directions.read || !directions.write, write: directions.write,
                        timeoutMilliseconds: milliseconds(until: limit))
                }
                LibSSH2.shutdownSocket(socket)
            }
            LibSSH2.free(session)
        }
        if socket >= 0 {
            LibSSH2.closeSocket(socket)
            socket = -1
        }
        // After the socket is closed (the bastion's pump sees the tunnel end), not before.
        jumpLease?.release()
    }
}
