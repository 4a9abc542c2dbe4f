import FleetInventory
import Foundation
import TestSupport
import XCTest

@testable import Fleet
@testable import SSH

/// The rollout's connection pool against a real sshd on 127.77.6.x: one connection (one sshd
/// session process on the server) carries many requests; a pooled session that died while idle is replaced without the caller noticing;
/// a host whose sshd is gone is reported as unreachable (a connect failure), not as a failed
/// command.
final class ConnectionPoolTests: XCTestCase {
    /// Opens real SSH sessions to one fixture server.
    private struct FixtureConnector: HostConnector {
        let server: SSHServerFixture
        let options: SSHOptions

        func connect(to host: HostAddress) throws(HostConnectionError) -> any HostConnection {
            try SSHSession(endpoint: server.endpoint(), options: options)
        }
    }

    private let host = HostAddress(
        name: "fixture", address: "127.77.6.1", port: 2251, user: nil, privateKeyFile: nil, become: false,
        becomeUser: nil)

    func testOneLoginCarriesEveryRequestAndADeadSessionIsReplacedThenAStoppedServerIsUnreachable() throws {
        try SSHServerFixture.with(address: "127.77.6.1", port: 2251) { server in
            let pool = ConnectionPool(
                connector: FixtureConnector(server: server, options: try server.options()), capacity: 4)
            defer { pool.closeAll() }
            func serverProcess() throws -> String {
                try pool.withConnection(to: host) { connection in
                    try connection.run(
                        ["sh", "-c", Self.findSessionProcess + "; echo $p"], become: false, becomeUser: nil,
                        timeout: .seconds(30)
                    ).stdout
                }
            }

            let first = try serverProcess()
            XCTAssertFalse(first.isEmpty)
            XCTAssertEqual(try serverProcess(), first, "the second request went over the same connection")
            XCTAssertEqual(pool.idleCount, 1)

            // The server side of the idle session goes away (as when sshd is restarted).
            try dropServerSideSoon(pool)
            let replaced = try serverProcess()
            XCTAssertNotEqual(replaced, first, "a dead idle session is replaced transparently")
            XCTAssertEqual(try serverProcess(), replaced)

            // No server at all: the pooled session dies and the new login cannot connect.
            try dropServerSideSoon(pool)
            server.stop()
            let error = connectionError { _ = try serverProcess() }
            XCTAssertEqual(error?.phase, .connect, error?.description ?? "")
            XCTAssertEqual(error?.phase.meansUnreachable, true)
            XCTAssertEqual(pool.idleCount, 0, "a broken connection is not kept")
        }
    }

    /// Shell that sets `p` to the sshd process serving this connection (the nearest sshd above).
    static let findSessionProcess =
        "p=$PPID; while [ \"$(cat /proc/$p/comm)\" != sshd ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done"

    /// Has the pooled session's own sshd process end it half a second from now, after this
    /// request returned and the session went back to the pool idle; waits until then.
    private func dropServerSideSoon(_ pool: ConnectionPool) throws {
        let script = Self.findSessionProcess + "; (sleep 0.5; kill -TERM $p) </dev/null >/dev/null 2>&1 &"
        let result = try pool.withConnection(to: host) { connection in
            try connection.run(["sh", "-c", script], become: false, becomeUser: nil, timeout: .seconds(30))
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(pool.idleCount, 1)
        Thread.sleep(forTimeInterval: 1.5)
    }
}
