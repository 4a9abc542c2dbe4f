import FleetInventory

/// Opens a connection to a host: SSH for real (``SSHHostConnector``). The rollout engine keeps
/// what it opens in a ``ConnectionPool``; `plan` and `status` use one connection per host.
package protocol HostConnector: Sendable {
    /// Connects, verifies the host key and authenticates; throws when the host cannot be
    /// reached or refuses us (the error's phase says which).
    func connect(to host: HostAddress) throws(HostConnectionError) -> any HostConnection
}

extension HostConnector {
    /// Runs `body` on a fresh connection to `host` and closes it on every path.
    func withConnection<Result>(
        to host: HostAddress, _ body: (any HostConnection) throws -> Result
    ) throws -> Result {
        let connection = try connect(to: host)
        defer { connection.close() }
        return try body(connection)
    }
}
