import FleetInventory
import SSH

/// A host's connection as the pool lends it: every request goes to the underlying connection,
/// except that a request failing on a REUSED connection before anything ran on the host (the
/// session had died while idle: sshd restarted, the peer went away) is sent once more over a
/// freshly opened connection. A failure to open that one is the host's real state (unreachable)
/// and is what the caller sees.
final class PooledConnection: HostConnection, @unchecked Sendable {
    // @unchecked Sendable: a lease is used by the one thread that took it from the pool until it
    // gives it back; `connection` and `reused` change only on that thread.

    private let host: HostAddress
    private let connector: any HostConnector
    /// The connection requests go to now (replaced after a reconnect).
    private(set) var connection: any HostConnection
    /// True while `connection` came from the pool rather than being opened for this lease.
    private var reused: Bool

    init(host: HostAddress, connector: any HostConnector, connection: any HostConnection, reused: Bool) {
        self.host = host
        self.connector = connector
        self.connection = connection
        self.reused = reused
    }

    var hostName: String { connection.hostName }
    var isOpen: Bool { connection.isOpen }

    func run(_ argv: [String], become: Bool, becomeUser: String?, timeout: Duration, limits: OutputLimits)
        throws -> CommandResult
    {
        try retryingOnce {
            try $0.run(argv, become: become, becomeUser: becomeUser, timeout: timeout, limits: limits)
        }
    }

    func putFile(localPath: String, mode: Int32) throws -> UploadResult {
        try retryingOnce { try $0.putFile(localPath: localPath, mode: mode) }
    }

    func putFiles(_ requests: [UploadRequest]) throws -> [UploadResult] {
        try retryingOnce { try $0.putFiles(requests) }
    }

    func close() { connection.close() }

    private func retryingOnce<T>(_ request: (any HostConnection) throws -> T) throws -> T {
        do {
            return try request(connection)
        } catch let error as HostConnectionError where error.nothingRan && reused {
            connection.close()
            reused = false
            connection = try connector.connect(to: host)
            return try request(connection)
        }
    }
}
