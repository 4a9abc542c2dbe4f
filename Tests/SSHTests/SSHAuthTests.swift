import Foundation
import TestSupport
import XCTest

@testable import SSH

/// Public key authentication against a real sshd on 127.77.3.x.
final class SSHAuthTests: XCTestCase {
    func testKeyFileLogsIn() throws {
        try SSHServerFixture.with(address: "127.77.3.1", port: 2221) { server in
            let session = try server.session()
            defer { session.close() }
            XCTAssertEqual(session.authenticatedWith, "key file \(server.clientKey)")
        }
    }

    func testSSHAgentIsTriedFirst() throws {
        try SSHServerFixture.with(address: "127.77.3.2", port: 2222) { server in
            let socket = server.directory + "/agent.sock"
            let agent = try Subprocess.spawn(
                "/usr/bin/ssh-agent", ["-D", "-a", socket], stdout: "/dev/null",
                stderr: server.directory + "/agent.log")
            defer { Subprocess.terminate(agent) }
            for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
            let added = try Subprocess.run(
                "/usr/bin/ssh-add", [server.clientKey], environment: ["SSH_AUTH_SOCK": socket])
            XCTAssertEqual(added.status, 0, added.stderr)
            // A key file is offered too, but the agent goes first and logs in.
            let session = try SSHSession(endpoint: server.endpoint(), options: server.options(agent: socket))
            defer { session.close() }
            XCTAssertEqual(session.authenticatedWith, "ssh-agent key hotpatch-test-ed25519 (ssh-ed25519)")
        }
    }

    func testEveryRefusalIsExplained() throws {
        try SSHServerFixture.with(address: "127.77.3.3", port: 2223) { server in
            let stranger = try server.newKey(type: "ed25519", name: "stranger", authorized: false)
            let missing = server.directory + "/no-such-key"
            let error = connectionError {
                _ = try SSHSession(
                    endpoint: server.endpoint(keys: [stranger, missing]),
                    options: server.options(agent: server.directory + "/no-agent.sock"))
            }
            XCTAssertEqual(error?.phase, .auth)
            let message = error?.message ?? ""
            XCTAssertTrue(message.contains("no-agent.sock: cannot connect"), message)
            XCTAssertTrue(message.contains("key \(stranger) refused by the server"), message)
            XCTAssertTrue(message.contains("key \(missing): no such file"), message)
            XCTAssertTrue(error?.nextStep.contains("authorized_keys") == true)
        }
    }

    func testRSAKeyRefusalNamesTheReason() throws {
        try SSHServerFixture.with(address: "127.77.3.4", port: 2224) { server in
            let rsa = try server.newKey(type: "rsa", name: "client_rsa", authorized: true)
            let error = connectionError {
                _ = try SSHSession(endpoint: server.endpoint(keys: [rsa]), options: server.options())
            }
            guard let error else {
                throw XCTSkip("this libssh2 logs in with RSA keys; nothing to explain")
            }
            XCTAssertEqual(error.phase, .auth)
            XCTAssertTrue(
                error.message.contains(
                    "(RSA) refused: Debian's libssh2 1.10 cannot make RSA-SHA2 signatures"), error.message)
            XCTAssertTrue(error.message.contains("use an ed25519 key"))
        }
    }
}
