import CLibSSH2
import Glibc

/// The one file of the coordinator's SSH layer that calls C: libssh2, plus the socket calls
/// (non-blocking connect, poll) libssh2 needs around it. Everything here is a thin, typed
/// wrapper; the policy (timeouts, retries on EAGAIN, error wording) lives in `SSHSession`.
///
/// Every libssh2 handle (`OpaquePointer`) is owned by exactly one `SSHSession`, which uses it
/// from one thread at a time; libssh2 is safe for that once `libssh2_init` has run once.
enum LibSSH2 {
    /// libssh2's return code for "would block; call again when the socket is ready".
    static let again: Int32 = LIBSSH2_ERROR_EAGAIN
    /// The server rejected the key (it is not authorized, or its signature was not accepted).
    static let refusedCodes: Set<Int32> = [
        LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED,
    ]
    /// The key file could not be read or decrypted.
    static let unreadableKeyCodes: Set<Int32> = [LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_KEYFILE_AUTH_FAILED]

    /// Runs `libssh2_init` exactly once per process (Swift runs a static's initializer once,
    /// thread-safely), before the first session on any thread.
    static let initialized: Bool = libssh2_init(0) == 0

    // MARK: - Sockets

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
    static func raiseDescriptorLimit() -> Int {
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

    // MARK: - Session

    /// A new session in non-blocking mode (every call returns EAGAIN instead of blocking, so
    /// the caller's poll loop enforces the deadlines).
    static func sessionInit() -> OpaquePointer? {
        guard initialized, let session = clibssh2_session_init() else { return nil }
        libssh2_session_set_blocking(session, 0)
        return session
    }

    /// Puts the host key algorithms the caller already trusts first, as OpenSSH does.
    static func preferHostKeyMethods(_ session: OpaquePointer, _ methods: String) -> Int32 {
        libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, methods)
    }

    static func handshake(_ session: OpaquePointer, socket: Int32) -> Int32 {
        libssh2_session_handshake(session, socket)
    }

    /// The server's host key blob as sent in the handshake (the SSH wire encoding).
    static func hostKey(_ session: OpaquePointer) -> [UInt8]? {
        var length = 0
        var type: Int32 = 0
        guard let raw = libssh2_session_hostkey(session, &length, &type), length > 0 else { return nil }
        return raw.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Which way the last EAGAIN was waiting: (inbound, outbound).
    static func blockDirections(_ session: OpaquePointer) -> (read: Bool, write: Bool) {
        let directions = libssh2_session_block_directions(session)
        return (
            directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0,
            directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0
        )
    }

    static func lastErrorNumber(_ session: OpaquePointer) -> Int32 { libssh2_session_last_errno(session) }

    static func lastErrorMessage(_ session: OpaquePointer) -> String {
        String(cString: clibssh2_session_last_error_message(session))
    }

    static func configureKeepalive(_ session: OpaquePointer, intervalSeconds: Int) {
        libssh2_keepalive_config(session, 1, UInt32(intervalSeconds))
    }

    /// Sends a keepalive if one is due; returns seconds until the next one is due.
    static func sendKeepalive(_ session: OpaquePointer) -> Int {
        var next: Int32 = 0
        let rc = libssh2_keepalive_send(session, &next)
        return rc == 0 ? Int(next) : 1
    }

    static func disconnect(_ session: OpaquePointer, reason: String) -> Int32 {
        clibssh2_session_disconnect(session, reason)
    }

    /// Frees the session in blocking mode (its socket should be shut down first, so nothing waits).
    static func free(_ session: OpaquePointer) {
        libssh2_session_set_blocking(session, 1)
        _ = libssh2_session_free(session)
    }

    // MARK: - Authentication

    /// The comma-separated auth methods the server accepts, or nil (check the last errno:
    /// EAGAIN means call again).
    static func authMethods(_ session: OpaquePointer, user: String) -> String? {
        guard let list = libssh2_userauth_list(session, user, UInt32(user.utf8.count)) else { return nil }
        return String(cString: list)
    }

    static func isAuthenticated(_ session: OpaquePointer) -> Bool {
        clibssh2_userauth_authenticated(session) != 0
    }

    static func authenticate(_ session: OpaquePointer, user: String, privateKey: String, publicKey: String?)
        -> Int32
    {
        clibssh2_userauth_publickey_fromfile(session, user, publicKey, privateKey, "")
    }

    // MARK: - ssh-agent

    static func agentInit(_ session: OpaquePointer) -> OpaquePointer? { libssh2_agent_init(session) }

    static func agentConnect(_ agent: OpaquePointer, socketPath: String?) -> Int32 {
        if let socketPath { libssh2_agent_set_identity_path(agent, socketPath) }
        return libssh2_agent_connect(agent)
    }

    /// The agent's identities as (opaque handle, comment); valid while `agent` lives.
    static func agentIdentities(_ agent: OpaquePointer) -> [(
        UnsafeMutablePointer<libssh2_agent_publickey>, String
    )]? {
        guard libssh2_agent_list_identities(agent) == 0 else { return nil }
        var result: [(UnsafeMutablePointer<libssh2_agent_publickey>, String)] = []
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        while true {
            var current: UnsafeMutablePointer<libssh2_agent_publickey>?
            let rc = libssh2_agent_get_identity(agent, &current, previous)
            guard rc == 0, let identity = current else { break }
            let comment = identity.pointee.comment.map { String(cString: $0) } ?? "(no comment)"
            result.append((identity, comment))
            previous = identity
        }
        return result
    }

    static func agentAuthenticate(
        _ agent: OpaquePointer, user: String, identity: UnsafeMutablePointer<libssh2_agent_publickey>
    ) -> Int32 {
        libssh2_agent_userauth(agent, user, identity)
    }

    /// The key type named inside an agent identity's blob (e.g. `ssh-ed25519`).
    static func agentKeyBlob(_ identity: UnsafeMutablePointer<libssh2_agent_publickey>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: identity.pointee.blob, count: identity.pointee.blob_len))
    }

    static func agentRelease(_ agent: OpaquePointer) {
        _ = libssh2_agent_disconnect(agent)
        libssh2_agent_free(agent)
    }

    // MARK: - Channels

    static func openChannel(_ session: OpaquePointer) -> OpaquePointer? {
        clibssh2_channel_open_session(session)
    }
    static func exec(_ channel: OpaquePointer, _ command: String) -> Int32 {
        clibssh2_channel_exec(channel, command)
    }
    static func sendEOF(_ channel: OpaquePointer) -> Int32 { libssh2_channel_send_eof(channel) }
    static func isEOF(_ channel: OpaquePointer) -> Bool { clibssh2_channel_eof(channel) != 0 }

    /// Reads into `buffer` from stdout (or stderr); returns bytes read, 0 at EOF, or an error.
    static func read(_ channel: OpaquePointer, stderr: Bool, into buffer: inout [UInt8]) -> Int {
        buffer.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            return stderr
                ? clibssh2_channel_read_stderr(channel, base, raw.count)
                : clibssh2_channel_read(channel, base, raw.count)
        }
    }

    static func closeChannel(_ channel: OpaquePointer) -> Int32 { clibssh2_channel_close(channel) }
    static func waitClosed(_ channel: OpaquePointer) -> Int32 { libssh2_channel_wait_closed(channel) }
    static func exitStatus(_ channel: OpaquePointer) -> Int32 { libssh2_channel_get_exit_status(channel) }

    /// The signal that ended the remote command (e.g. `KILL`), if one did.
    static func exitSignal(_ channel: OpaquePointer) -> String? {
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(channel, &name, &length, nil, nil, nil, nil) == 0,
            let name, length > 0
        else { return nil }
        defer { Glibc.free(name) }
        return String(cString: name)
    }

    static func freeChannel(_ channel: OpaquePointer) -> Int32 { libssh2_channel_free(channel) }

    /// Asks the server to open a TCP connection to `host:port` and relay it (`direct-tcpip`);
    /// nil with EAGAIN as the last error means call again.
    static func openDirectTCPIP(_ session: OpaquePointer, host: String, port: Int) -> OpaquePointer? {
        clibssh2_channel_direct_tcpip(session, host, Int32(port))
    }

    /// Writes to a channel's stdin stream; bytes written, or a libssh2 error code.
    static func write(_ channel: OpaquePointer, _ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBytes { raw in
            clibssh2_channel_write(channel, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
    }

    /// Error codes that mean the far end of one channel is gone (closed, or EOF already sent).
    static let channelGoneCodes: Set<Int32> = [LIBSSH2_ERROR_CHANNEL_CLOSED, LIBSSH2_ERROR_CHANNEL_EOF_SENT]

    /// Error codes after which the session itself is unusable (the transport or the
    /// connection is gone), as opposed to one channel being closed.
    static let sessionFatalCodes: Set<Int32> = [
        LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
        LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_DECRYPT, LIBSSH2_ERROR_PROTO,
        LIBSSH2_ERROR_KEX_FAILURE, LIBSSH2_ERROR_BAD_SOCKET,
    ]

    // MARK: - SFTP

    /// The attributes of a remote path this layer looks at.
    struct RemoteAttributes {
        let permissions: UInt
        let uid: UInt
        let size: UInt64
        var isDirectory: Bool { permissions & 0o170000 == 0o040000 }
        var isRegularFile: Bool { permissions & 0o170000 == 0o100000 }
    }

    static func sftpInit(_ session: OpaquePointer) -> OpaquePointer? { libssh2_sftp_init(session) }
    static func sftpShutdown(_ sftp: OpaquePointer) -> Int32 { libssh2_sftp_shutdown(sftp) }
    static func sftpLastError(_ sftp: OpaquePointer) -> UInt { libssh2_sftp_last_error(sftp) }

    static func mkdir(_ sftp: OpaquePointer, _ path: String, mode: Int) -> Int32 {
        clibssh2_sftp_mkdir(sftp, path, mode)
    }

    /// `lstat` of `path`: (rc, attributes when rc == 0).
    static func lstat(_ sftp: OpaquePointer, _ path: String) -> (Int32, RemoteAttributes?) {
        var attrs = LIBSSH2_SFTP_ATTRIBUTES()
        let rc = clibssh2_sftp_lstat(sftp, path, &attrs)
        guard rc == 0 else { return (rc, nil) }
        return (rc, RemoteAttributes(permissions: attrs.permissions, uid: attrs.uid, size: attrs.filesize))
    }

    /// Bytes an unprivileged writer may still use on the file system holding `path`
    /// (`statvfs@openssh.com`): (rc, f_bavail * f_frsize when rc == 0).
    static func availableBytes(_ sftp: OpaquePointer, _ path: String) -> (Int32, UInt64?) {
        var statistics = LIBSSH2_SFTP_STATVFS()
        let rc = libssh2_sftp_statvfs(sftp, path, path.utf8.count, &statistics)
        guard rc == 0 else { return (rc, nil) }
        return (rc, statistics.f_bavail &* statistics.f_frsize)
    }

    static func chmod(_ sftp: OpaquePointer, _ path: String, mode: Int) -> Int32 {
        clibssh2_sftp_chmod(sftp, path, UInt(mode))
    }

    /// Opens `path` for writing: created exclusively (never follows or reuses an existing file).
    static func createExclusive(_ sftp: OpaquePointer, _ path: String, mode: Int) -> OpaquePointer? {
        let flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL)
        return clibssh2_sftp_open(sftp, path, flags, mode)
    }

    static func write(_ handle: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> Int {
        libssh2_sftp_write(handle, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    static func closeFile(_ handle: OpaquePointer) -> Int32 { clibssh2_sftp_close(handle) }

    static func unlink(_ sftp: OpaquePointer, _ path: String) -> Int32 { clibssh2_sftp_unlink(sftp, path) }
}
