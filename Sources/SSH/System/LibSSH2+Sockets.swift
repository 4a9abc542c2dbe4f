import Glibc

/// The POSIX socket calls around libssh2: non-blocking TCP connect, poll, socket pairs for
/// bastion hops, wake pipes and the open-file limit. Part of the SSH layer's one C boundary
/// (see ``LibSSH2``).
extension LibSSH2 {
    /// The outcome of a non-blocking TCP connect.
    enum ConnectOutcome {
        case connected(Int32)
        case timedOut
        case failed(String)
    }

    /// Connects to `host:port` (a name or a numeric address) within `timeoutMilliseconds`,
    /// trying each address the resolver returns. The socket is left non-blocking.
    static func connectTCP(host: String, port: Int, timeoutMilliseconds: Int32) -> ConnectOutcome {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failed("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var lastFailure = ConnectOutcome.failed("no address for \(host)")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            lastFailure = connectOne(info.pointee, timeoutMilliseconds: timeoutMilliseconds)
            if case .connected = lastFailure { return lastFailure }
            cursor = info.pointee.ai_next
        }
        return lastFailure
    }

    private static func connectOne(_ info: addrinfo, timeoutMilliseconds: Int32) -> ConnectOutcome {
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed("socket: \(errnoText())") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return .connected(fd) }
        guard errno == EINPROGRESS else {
            let text = errnoText()
            close(fd)
            return .failed(text)
        }
        // The connect finishes in the background; writable means done (either way).
        switch waitSocket(fd, read: false, write: true, timeoutMilliseconds: timeoutMilliseconds) {
        case .ready:
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError == 0 { return .connected(fd) }
            close(fd)
            return .failed(String(cString: strerror(soError)))
        case .timedOut:
            close(fd)
            return .timedOut
        case .failed(let text):
            close(fd)
            return .failed(text)
        }
    }

    /// The outcome of waiting for a socket.
    enum WaitOutcome {
        case ready
        case timedOut
        case failed(String)
    }

    /// Waits until `fd` is readable/writable as asked, retrying on EINTR.
    static func waitSocket(_ fd: Int32, read: Bool, write: Bool, timeoutMilliseconds: Int32) -> WaitOutcome {
        var events: Int16 = 0
        if read { events |= Int16(POLLIN) }
        if write { events |= Int16(POLLOUT) }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let rc = poll(&entry, 1, timeoutMilliseconds)
            if rc > 0 { return .ready }
            if rc == 0 { return .timedOut }
            if errno != EINTR { return .failed("poll: \(errnoText())") }
        }
    }

    /// Closes a socket this layer opened.
    static func closeSocket(_ fd: Int32) { close(fd) }

    /// Ends both directions of a socket without giving up the descriptor, so a later libssh2
    /// call on it fails at once instead of blocking (and the number cannot be reused meanwhile).
    static func shutdownSocket(_ fd: Int32) { _ = shutdown(fd, Int32(SHUT_RDWR)) }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// A connected pair of non-blocking, close-on-exec stream sockets: the transport a session
    /// to a host behind a bastion uses (one end for libssh2, the other for the bastion's pump).
    static func socketPair() -> (Int32, Int32)? {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { return nil }
        return (fds[0], fds[1])
    }

    /// The outcome of a non-blocking read or write on a plain descriptor.
    enum TransferOutcome: Equatable {
        /// This many bytes moved (a read of 0 is end of file).
        case moved(Int)
        /// Nothing can move now (EAGAIN).
        case wouldBlock
        /// The descriptor failed (peer gone, reset).
        case failed
    }

    /// `read` on a non-blocking descriptor, EINTR retried.
    static func readSome(_ fd: Int32, into buffer: inout [UInt8]) -> TransferOutcome {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count >= 0 { return .moved(count) }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
        }
    }

    /// `send` (no SIGPIPE) on a non-blocking socket, EINTR retried.
    static func writeSome(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> TransferOutcome {
        while true {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count >= 0 { return .moved(count) }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
        }
    }

    /// Ends the sending direction of a socket (the peer reads end of file).
    static func shutdownWrite(_ fd: Int32) { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// A wake-up pipe for a poll loop: poll `read`, write a byte to `write` from another thread.
    static func makeWakePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }

    /// Wakes whoever polls the read end of a wake pipe (a full pipe is already awake).
    static func wake(_ writeEnd: Int32) {
        var byte: UInt8 = 1
        _ = Glibc.write(writeEnd, &byte, 1)
    }

    /// Empties a wake pipe's read end.
    static func drainWake(_ readEnd: Int32) {
        var bytes = [UInt8](repeating: 0, count: 64)
        while bytes.withUnsafeMutableBytes({ Glibc.read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// One entry of `pollMany`: a descriptor and what to wait for.
    struct PollEntry {
        let fd: Int32
        let read: Bool
        let write: Bool
    }

    /// Waits until any of `entries` is ready (or has hung up), at most `timeoutMilliseconds`.
    /// Returns false only when poll itself failed.
    @discardableResult
    static func pollMany(_ entries: [PollEntry], timeoutMilliseconds: Int32) -> Bool {
        var fds = entries.map { entry in
            var events: Int16 = 0
            if entry.read { events |= Int16(POLLIN) }
            if entry.write { events |= Int16(POLLOUT) }
            return pollfd(fd: entry.fd, events: events, revents: 0)
        }
        let rc = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        return rc >= 0 || errno == EINTR
    }

    /// Raises this process's open-file soft limit toward its hard limit (at most 65536), since
    /// every session kept open holds a socket, and returns the soft limit now in force. A
    /// limit that cannot be raised is left as it is.
    package static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let wanted = min(limit.rlim_max, 65536)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
