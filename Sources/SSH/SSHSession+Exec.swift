extension SSHSession {
    /// Runs `argv` on the host, every word quoted for the remote shell (through `sudo -n`
    /// when `become`), and collects stdout, stderr and the exit status. Both streams are
    /// drained as data arrives, so a command that writes megabytes to stderr never stalls
    /// waiting for us to read stdout. A timeout or transport failure closes the session.
    package func run(_ argv: [String], become: Bool, becomeUser: String?, timeout: Duration, limits: OutputLimits)
        throws(HostConnectionError) -> CommandResult
    {
        lock.lock()
        defer { lock.unlock() }
        let output = try execLocked(
            argv,
            options: ExecOptions(become: become, becomeUser: becomeUser, timeout: timeout, limits: limits))
        return CommandResult(
            status: output.status, stdout: output.stdoutCapture, stderr: output.stderrCapture)
    }

    /// `run` with the standard limits (64 KiB kept at each end of each stream), typed errors.
    func run(_ argv: [String], become: Bool, becomeUser: String?, timeout: Duration)
        throws(HostConnectionError) -> CommandResult
    {
        try run(argv, become: become, becomeUser: becomeUser, timeout: timeout, limits: .standard)
    }

    /// `run` keeping the raw bytes and the signal, with typed errors.
    func exec(_ argv: [String], options execOptions: ExecOptions) throws(HostConnectionError) -> ExecResult
    {
        lock.lock()
        defer { lock.unlock() }
        return try execLocked(argv, options: execOptions)
    }

    /// `run` for callers already holding the lock (uploads run several commands), keeping
    /// the raw bytes and the signal.
    func execLocked(_ argv: [String], options execOptions: ExecOptions) throws(HostConnectionError)
        -> ExecResult
    {
        guard let session = handle else {
            throw failure(.exec, "the session is closed", next: "open a new session", nothingRan: true)
        }
        let command = RemoteCommand.render(
            argv, become: execOptions.become, becomeUser: execOptions.becomeUser)
        let what = "`\(argv[0])`"
        let limit = deadline(after: execOptions.timeout)
        do throws(HostConnectionError) {
            let opened: OpaquePointer?
            do throws(HostConnectionError) {
                opened = try retryHandle(
                    .exec, until: limit, doing: "opening a channel for \(what)",
                    { LibSSH2.openChannel(session) })
            } catch {
                // No channel, so no program: a dead or timed-out session ran nothing.
                throw failure(
                    error.phase, error.message, next: error.nextStep, timeout: error.isTimeout,
                    nothingRan: true)
            }
            guard let channel = opened else {
                throw failure(
                    .exec, "cannot open a channel: \(LibSSH2.lastErrorMessage(session))",
                    next: "check the host's sshd MaxSessions", nothingRan: true)
            }
            defer { freeChannel(channel, until: limit) }
            let started = try retry(.exec, until: limit, doing: "starting \(what)") {
                LibSSH2.exec(channel, command)
            }
            guard started == 0 else {
                throw failure(
                    .exec, "the server refused to run \(what): \(LibSSH2.lastErrorMessage(session))",
                    next: "check the host's sshd configuration (ForceCommand?)")
            }
            // The command gets an empty stdin, so nothing that reads stdin waits forever.
            _ = try retry(.exec, until: limit, doing: "closing stdin of \(what)") { LibSSH2.sendEOF(channel) }
            let (stdout, stderr) = try drain(channel, until: limit, what: what, limits: execOptions.limits)
            _ = try retry(.exec, until: limit, doing: "closing the channel of \(what)") {
                LibSSH2.closeChannel(channel)
            }
            _ = try retry(.exec, until: limit, doing: "waiting for \(what) to exit") {
                LibSSH2.waitClosed(channel)
            }
            let signal = LibSSH2.exitSignal(channel)
            let status = signal == nil ? LibSSH2.exitStatus(channel) : 255
            return ExecResult(status: status, signal: signal, stdoutCapture: stdout, stderrCapture: stderr)
        } catch {
            // A timeout or broken transport leaves libssh2 mid-conversation; the session
            // cannot be trusted for another command, so it is closed now.
            releaseLocked()
            throw error
        }
    }

    /// Reads stdout and stderr until the remote side's EOF, waiting on the socket only when
    /// neither has data, keeping each stream's head and tail within `limits`. A command that
    /// writes past the flood ceiling, or is still writing at the deadline, is stopped: its
    /// channel is closed and the command fails (the caller then closes the session).
    private func drain(
        _ channel: OpaquePointer, until limit: ContinuousClock.Instant, what: String, limits: OutputLimits
    ) throws(HostConnectionError) -> (OutputCapture, OutputCapture) {
        var streams = (stdout: OutputCapture(limits), stderr: OutputCapture(limits))
        // 1 MiB per read, uninitialized (only what libssh2 wrote is read back).
        var buffer = [UInt8](unsafeUninitializedCapacity: Self.readChunkBytes) { _, count in
            count = Self.readChunkBytes
        }
        while true {
            var progressed = false
            for isStderr in [false, true] {
                progressed =
                    try empty(
                        channel, stderr: isStderr, into: &streams, buffer: &buffer, until: limit, what: what,
                        limits: limits) || progressed
            }
            if progressed { continue }
            if LibSSH2.isEOF(channel) { return streams }
            let read = streams.stdout.totalBytes + streams.stderr.totalBytes
            do throws(HostConnectionError) {
                try waitForSocket(.exec, until: limit, doing: "running \(what)")
            } catch let error where error.isTimeout && read > 0 {
                throw timedOut(channel, what: what, read: read, next: error.nextStep)
            }
        }
    }

    /// Reads one stream until libssh2 has nothing more queued for it; true when anything came.
    /// Every libssh2 read grants the host more window for what arrived, however much is still
    /// queued unread; so each stream is emptied at once, in large reads, or a host writing
    /// faster than we read would grow libssh2's queue (our memory).
    private func empty(
        _ channel: OpaquePointer, stderr isStderr: Bool,
        into streams: inout (stdout: OutputCapture, stderr: OutputCapture), buffer: inout [UInt8],
        until limit: ContinuousClock.Instant, what: String, limits: OutputLimits
    ) throws(HostConnectionError) -> Bool {
        var progressed = false
        while true {
            let count = LibSSH2.read(channel, stderr: isStderr, into: &buffer)
            if count > 0 {
                if isStderr {
                    streams.stderr.append(buffer[0..<count])
                } else {
                    streams.stdout.append(buffer[0..<count])
                }
                progressed = true
            } else if count < 0, count != Int(LibSSH2.again) {
                throw failure(
                    .exec,
                    "reading the output of \(what) failed: \(handle.map(LibSSH2.lastErrorMessage) ?? "") (libssh2 \(count))",
                    next: "retry; check the network")
            }
            let read = streams.stdout.totalBytes + streams.stderr.totalBytes
            if read > limits.ceilingBytes {
                throw flooded(
                    channel, what: what, stdout: streams.stdout, stderr: streams.stderr, limits: limits)
            }
            // Data that never stops would never reach the socket wait and its deadline.
            guard count <= 0 || ContinuousClock.now < limit else {
                throw timedOut(
                    channel, what: what, read: read,
                    next: "make the command finish (and print less), or raise its timeout")
            }
            if count < buffer.count { return progressed }
        }
    }

    /// Bytes asked of libssh2 per read: large enough that one read takes all that arrived since
    /// the last (a 32 KiB read let a fast host queue hundreds of MB in libssh2).
    static let readChunkBytes = 1 << 20

    /// The failure of a command that wrote more than the ceiling; its channel is closed first
    /// (briefly: a host that does not answer the close loses its session anyway).
    private func flooded(
        _ channel: OpaquePointer, what: String, stdout: OutputCapture, stderr: OutputCapture,
        limits: OutputLimits
    ) -> HostConnectionError {
        closeBriefly(channel)
        return HostConnectionError(
            host: endpoint.label, phase: .exec,
            message:
                "\(what) printed more than \(OutputLimits.sizeText(limits.ceilingBytes)) "
                + "(stdout \(OutputCapture.grouped(stdout.totalBytes)) bytes, stderr "
                + "\(OutputCapture.grouped(stderr.totalBytes)) bytes); stopped reading and closed the channel",
            nextStep: "make the command print less (redirect its output to a file on the host)",
            isFlood: true)
    }

    /// The failure of a command that had written output when its time ran out (whether it was
    /// writing at that moment or not), saying how much was read.
    private func timedOut(_ channel: OpaquePointer, what: String, read: Int, next: String)
        -> HostConnectionError
    {
        closeBriefly(channel)
        return failure(
            .exec,
            "timed out during running \(what) (\(OutputCapture.grouped(read)) bytes of output read so far); "
                + "stopped reading and closed the channel", next: next, timeout: true)
    }

    /// Sends the channel's close and waits up to 2 s for the host's; the remote command then
    /// gets EPIPE on its next write.
    private func closeBriefly(_ channel: OpaquePointer) {
        let bound = ContinuousClock.now + .seconds(2)
        while LibSSH2.closeChannel(channel) == LibSSH2.again, ContinuousClock.now < bound, socket >= 0 {
            _ = LibSSH2.waitSocket(socket, read: true, write: true, timeoutMilliseconds: 50)
        }
    }

    /// Frees a channel; in non-blocking mode that may need a few round trips.
    private func freeChannel(_ channel: OpaquePointer, until limit: ContinuousClock.Instant) {
        let bound = min(limit, ContinuousClock.now + .seconds(2))
        while LibSSH2.freeChannel(channel) == LibSSH2.again, ContinuousClock.now < bound, socket >= 0 {
            _ = LibSSH2.waitSocket(socket, read: true, write: false, timeoutMilliseconds: 50)
        }
    }
}
