import FleetInventory
import SSH
import Synchronization

/// One authenticated connection per host, kept for the host's whole life in a rollout: the
/// upload, the agent, every check round and a revert all run over it, where each used to pay a
/// TCP connect, a key exchange and a login of its own (45 % of a warm 100-host run went to the
/// check round's handshakes).
///
/// Idle connections wait in the pool between phases; at most `capacity` of them (the least
/// recently used is closed first), so 1000 hosts fit in the descriptor limit. A connection is
/// handed to one thread at a time. One that broke (timeout, dead peer) is dropped, and a request
/// that finds its reused connection dead before anything ran is sent again on a new one, so a
/// host whose sshd went away is still seen as unreachable. `closeAll` ends every connection;
/// the engine calls it on every path out of a run.
final class ConnectionPool: Sendable {
    private let connector: any HostConnector
    /// Most idle connections kept open at once.
    let capacity: Int
    private let idle = Mutex(IdleConnections())

    /// A pool that opens connections with `connector` and keeps up to `capacity` idle ones.
    init(connector: any HostConnector, capacity: Int) {
        self.connector = connector
        self.capacity = max(0, capacity)
    }

    /// Runs `body` on `host`'s connection (the pooled one, else a new one) and puts it back
    /// afterwards if it still works. Throws the connect error when the host cannot be reached.
    func withConnection<Result>(
        to host: HostAddress, _ body: (any HostConnection) throws -> Result
    ) throws -> Result {
        let lease: PooledConnection
        if let cached = idle.withLock({ $0.take(host.name) }) {
            lease = PooledConnection(host: host, connector: connector, connection: cached, reused: true)
        } else {
            lease = PooledConnection(
                host: host, connector: connector, connection: try connector.connect(to: host), reused: false)
        }
        defer { giveBack(lease.connection, of: host.name) }
        return try body(lease)
    }

    /// Closes every idle connection; connections in use are closed when they come back.
    func closeAll() {
        let all = idle.withLock { $0.closeAll() }
        for connection in all { connection.close() }
    }

    /// How many idle connections the pool holds now.
    var idleCount: Int { idle.withLock { $0.count } }

    private func giveBack(_ connection: any HostConnection, of host: String) {
        guard connection.isOpen else {
            connection.close()
            return
        }
        let capacity = self.capacity
        let evicted = idle.withLock { $0.put(connection, for: host, capacity: capacity) }
        for old in evicted { old.close() }
    }
}

/// The pool's idle connections by host, least recently used first.
private struct IdleConnections: ~Copyable {
    private var byHost: [String: any HostConnection] = [:]
    private var order: [String] = []
    private var closed = false

    var count: Int { byHost.count }

    mutating func take(_ host: String) -> (any HostConnection)? {
        guard let connection = byHost.removeValue(forKey: host) else { return nil }
        order.removeAll { $0 == host }
        return connection
    }

    /// Keeps `connection`; returns what must be closed (the evicted, or it after `closeAll`).
    mutating func put(_ connection: any HostConnection, for host: String, capacity: Int)
        -> [any HostConnection]
    {
        guard !closed, capacity > 0 else { return [connection] }
        var out: [any HostConnection] = []
        if let previous = byHost.updateValue(connection, forKey: host) { out.append(previous) }
        order.removeAll { $0 == host }
        order.append(host)
        while order.count > capacity, let oldest = order.first {
            order.removeFirst()
            if let evicted = byHost.removeValue(forKey: oldest) { out.append(evicted) }
        }
        return out
    }

    mutating func closeAll() -> [any HostConnection] {
        closed = true
        let all = Array(byHost.values)
        byHost = [:]
        order = []
        return all
    }
}
