import CLibSSH2
import Glibc

/// The one place of the coordinator's SSH layer that calls C: libssh2 here, and the socket calls
/// (non-blocking connect, poll) libssh2 needs around it in `LibSSH2+Sockets.swift`. Everything
/// is a thin, typed wrapper; the policy (timeouts, retries on EAGAIN, error wording) lives in
/// `SSHSession`.
///
/// Every libssh2 handle (`OpaquePointer`) is owned by exactly one `SSHSession`, which uses it
/// from one thread at a time; libssh2 is safe for that once `libssh2_init` has run once.
package enum LibSSH2 {
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
