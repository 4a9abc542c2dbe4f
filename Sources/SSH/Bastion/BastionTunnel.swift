/// One host's byte stream through a bastion: a `direct-tcpip` channel on the bastion's session
/// and this process's end of a socket pair whose other end the host's own SSH session uses as
/// its socket. Touched only by the bastion's pump thread.
final class BastionTunnel {
    /// What one step of moving bytes needs next from the pump.
    enum StepResult: Equatable {
        /// Bytes moved or state changed: run another pass before sleeping.
        case progressed
        /// Nothing to do until a descriptor is ready.
        case idle
        /// libssh2 is half-way through sending a packet for this tunnel: the very same call
        /// must come next, before any other call on the session (libssh2 completes a pending
        /// packet on whatever call comes next and would drop that call's own data).
        case stalledSending
        /// The bastion's session failed (code and libssh2's text).
        case sessionFailed(Int32, String)
    }

    /// The calls a tunnel makes on the bastion session, so a stalled one can be repeated.
    enum Call: Equatable {
        case read, write, sendEOF, free
    }

    /// Who the tunnel reaches, `host:port`, for messages.
    let destination: String
    /// This process's end of the socket pair.
    let fd: Int32
    private var channel: OpaquePointer?
    private var toHost: ArraySlice<UInt8> = []
    private var toRemote: ArraySlice<UInt8> = []
    private var remoteEOF = false
    private var localEOF = false
    private var hostWriteShut = false
    private var eofSent = false
    private var buffer = [UInt8](repeating: 0, count: 32 * 1024)

    /// A tunnel over an opened channel and this process's socket-pair end.
    init(channel: OpaquePointer, fd: Int32, destination: String) {
        self.channel = channel
        self.fd = fd
        self.destination = destination
    }

    /// True once the channel is freed and the descriptor closed.
    var isFinished: Bool { channel == nil }

    /// Whether the pump should poll the local descriptor for reading / writing.
    var wantsLocalRead: Bool { channel != nil && toRemote.isEmpty && !localEOF }
    var wantsLocalWrite: Bool { channel != nil && !toHost.isEmpty }

    /// Runs one call on the session; used both in a normal pass and to repeat a stalled call.
    func run(_ call: Call, session: OpaquePointer) -> StepResult {
        guard let channel else { return .idle }
        switch call {
        case .read: return readRemote(channel, session)
        case .write: return writeRemote(channel, session)
        case .sendEOF: return sendEOF(channel, session)
        case .free: return free(channel, session)
        }
    }

    /// One pass: remote -> host, host -> remote, then end-of-file and close handling. Returns
    /// the first call that stalled (with its result), or the combined result.
    func pass(session: OpaquePointer) -> (StepResult, Call?) {
        var progressed = false
        if toHost.isEmpty && !remoteEOF {
            let result = run(.read, session: session)
            if result != .progressed && result != .idle { return (result, .read) }
            progressed = progressed || result == .progressed
        }
        progressed = flushToHost() || progressed
        progressed = readLocal() || progressed
        if !toRemote.isEmpty {
            let result = run(.write, session: session)
            if result != .progressed && result != .idle { return (result, .write) }
            progressed = progressed || result == .progressed
        }
        if localEOF && toRemote.isEmpty && channel != nil {
            // The host's session closed its socket: tell the far end, then free the channel.
            let call: Call = eofSent ? .free : .sendEOF
            let result = run(call, session: session)
            if result != .progressed && result != .idle { return (result, call) }
            progressed = progressed || result == .progressed
        }
        return (progressed ? .progressed : .idle, nil)
    }

    /// Frees the channel best-effort and closes the descriptor (the bastion is going away).
    func abandon(session: OpaquePointer?) {
        if let channel, session != nil { _ = LibSSH2.freeChannel(channel) }
        channel = nil
        LibSSH2.closeSocket(fd)
    }

    // MARK: - Steps

    private func readRemote(_ channel: OpaquePointer, _ session: OpaquePointer) -> StepResult {
        let count = LibSSH2.read(channel, stderr: false, into: &buffer)
        if count > 0 {
            toHost = buffer[0..<count]
            return .progressed
        }
        if count == 0 || LibSSH2.channelGoneCodes.contains(Int32(count)) {
            if LibSSH2.isEOF(channel) || count != 0 {
                remoteEOF = true
                return .progressed
            }
            return .idle
        }
        return classify(Int32(count), session)
    }

    private func writeRemote(_ channel: OpaquePointer, _ session: OpaquePointer) -> StepResult {
        let count = LibSSH2.write(channel, toRemote)
        if count > 0 {
            toRemote = toRemote.dropFirst(count)
            return .progressed
        }
        if count == 0 { return .idle }
        if LibSSH2.channelGoneCodes.contains(Int32(count)) {
            // The far end is gone: nothing more can reach it; the host's session sees EOF.
            toRemote = []
            localEOF = true
            remoteEOF = true
            return .progressed
        }
        return classify(Int32(count), session)
    }

    private func sendEOF(_ channel: OpaquePointer, _ session: OpaquePointer) -> StepResult {
        let rc = LibSSH2.sendEOF(channel)
        if rc == LibSSH2.again { return classify(rc, session) }
        eofSent = true
        return .progressed
    }

    private func free(_ channel: OpaquePointer, _ session: OpaquePointer) -> StepResult {
        let rc = LibSSH2.freeChannel(channel)
        if rc == LibSSH2.again { return classify(rc, session) }
        self.channel = nil
        LibSSH2.closeSocket(fd)
        return .progressed
    }

    /// host-side: bytes from the channel into the socket pair; at the far end's EOF (all
    /// delivered) the host's session reads end of file.
    private func flushToHost() -> Bool {
        var progressed = false
        while !toHost.isEmpty {
            switch LibSSH2.writeSome(fd, toHost) {
            case .moved(let count):
                toHost = toHost.dropFirst(count)
                progressed = true
            case .wouldBlock:
                return progressed
            case .failed:
                // The host's session is gone: drop what it will never read and wind down.
                toHost = []
                localEOF = true
                remoteEOF = true
                return true
            }
        }
        if remoteEOF && !hostWriteShut {
            LibSSH2.shutdownWrite(fd)
            hostWriteShut = true
            progressed = true
        }
        return progressed
    }

    /// host-side: bytes the host's session wrote, to be sent on the channel.
    private func readLocal() -> Bool {
        guard toRemote.isEmpty && !localEOF else { return false }
        switch LibSSH2.readSome(fd, into: &buffer) {
        case .moved(let count) where count > 0:
            toRemote = buffer[0..<count]
            return true
        case .moved, .failed:
            localEOF = true
            return true
        case .wouldBlock:
            return false
        }
    }

    /// EAGAIN: stalled when libssh2 waits to send, else idle; other codes: the channel or the
    /// whole session failed.
    private func classify(_ code: Int32, _ session: OpaquePointer) -> StepResult {
        if code == LibSSH2.again {
            return LibSSH2.blockDirections(session).write ? .stalledSending : .idle
        }
        if LibSSH2.sessionFatalCodes.contains(code) {
            return .sessionFailed(code, LibSSH2.lastErrorMessage(session))
        }
        // One channel failed: end this tunnel only; the host's session sees end of file.
        toHost = []
        toRemote = []
        localEOF = true
        remoteEOF = true
        eofSent = true
        return .progressed
    }
}
