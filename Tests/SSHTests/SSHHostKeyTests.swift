import Foundation
import TestSupport
import XCTest

@testable import SSH

/// Host key verification against a real sshd on 127.77.2.x.
final class SSHHostKeyTests: XCTestCase {
    /// The server's fingerprint as `ssh-keygen -lf` prints it.
    private func fingerprint(_ server: SSHServerFixture) throws -> String {
        let output = try Subprocess.run(
            "/usr/bin/ssh-keygen", ["-lf", server.directory + "/host_ed25519.pub"]
        ).stdout
        return String(output.split(separator: " ")[1])
    }

    func testKnownHostIsAccepted() throws {
        try SSHServerFixture.with(address: "127.77.2.1", port: 2211) { server in
            let session = try server.session()
            defer { session.close() }
            XCTAssertEqual(session.hostKey.fingerprint, try fingerprint(server))
        }
    }

    func testUnknownHostIsRefusedWithFingerprintAndTheCommandThatTrustsIt() throws {
        try SSHServerFixture.with(address: "127.77.2.2", port: 2212) { server in
            let file = try server.writeKnownHosts(["# nothing yet"])
            let error = connectionError { _ = try server.session(knownHosts: file) }
            XCTAssertEqual(error?.phase, .hostkey)
            XCTAssertTrue(error?.message.contains(try fingerprint(server)) == true, error?.description ?? "")
            XCTAssertTrue(error?.message.contains("[127.77.2.2]:2212") == true)
            // The suggested command, run as printed, makes the next connect pass.
            let command = try XCTUnwrap(
                error?.nextStep.components(separatedBy: "then run: ").last?.components(separatedBy: "  (or")
                    .first)
            XCTAssertTrue(command.hasPrefix("echo '[127.77.2.2]:2212 ssh-ed25519 "), command)
            XCTAssertEqual(try Subprocess.run("/bin/sh", ["-c", command]).status, 0)
            try server.session(knownHosts: file).close()
        }
    }

    func testAcceptNewRecordsTheKeyAndTheNextStrictConnectPasses() throws {
        try SSHServerFixture.with(address: "127.77.2.3", port: 2213) { server in
            let file = server.directory + "/fresh/known_hosts"
            try server.session(knownHosts: file, acceptNew: true).close()
            let recorded = try String(contentsOfFile: file, encoding: .utf8)
            XCTAssertEqual(recorded, "\(server.knownHostsName) \(server.hostKeyLine)\n")
            try server.session(knownHosts: file, acceptNew: false).close()
            XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), recorded, "recorded only once")
        }
    }

    func testChangedKeyIsRefusedLoudlyEvenWithAcceptNew() throws {
        try SSHServerFixture.with(address: "127.77.2.4", port: 2214) { server in
            let otherKey = try server.newKey(type: "ed25519", name: "impostor", authorized: false)
            let otherLine = try String(contentsOfFile: otherKey + ".pub", encoding: .utf8).split(
                separator: " "
            ).prefix(2).joined(separator: " ")
            let file = try server.writeKnownHosts(["# first line", "\(server.knownHostsName) \(otherLine)"])
            for acceptNew in [false, true] {
                let error = connectionError { _ = try server.session(knownHosts: file, acceptNew: acceptNew) }
                XCTAssertEqual(error?.phase, .hostkey)
                XCTAssertTrue(error?.message.contains("HOST KEY CHANGED") == true, error?.description ?? "")
                XCTAssertTrue(error?.message.contains("\(file):2") == true, error?.description ?? "")
                XCTAssertTrue(error?.nextStep.contains("ssh-keygen -R") == true)
            }
            XCTAssertFalse(try String(contentsOfFile: file, encoding: .utf8).contains(server.hostKeyLine))
        }
    }

    func testHashedEntryMadeBySshKeygenIsTrusted() throws {
        try SSHServerFixture.with(address: "127.77.2.5", port: 2215) { server in
            let file = try server.writeKnownHosts(["\(server.knownHostsName) \(server.hostKeyLine)"])
            XCTAssertEqual(try Subprocess.run("/usr/bin/ssh-keygen", ["-H", "-f", file]).status, 0)
            let hashed = try String(contentsOfFile: file, encoding: .utf8)
            XCTAssertTrue(hashed.hasPrefix("|1|") && !hashed.contains("127.77.2.5"), hashed)
            try server.session(knownHosts: file).close()
        }
    }

    func testPort22UsesTheBareNameAndOtherPortsTheBracketedOne() throws {
        // A bare-name entry must not vouch for the same address on another port.
        try SSHServerFixture.with(address: "127.77.2.6", port: 2216) { server in
            let file = try server.writeKnownHosts(["127.77.2.6 \(server.hostKeyLine)"])
            XCTAssertEqual(connectionError { _ = try server.session(knownHosts: file) }?.phase, .hostkey)
        }
        // On port 22 the bare name is the entry (skipped if something else holds that port).
        guard let server = try? SSHServerFixture(address: "127.77.2.22", port: 22) else { return }
        defer { server.stop(removingFiles: true) }
        do { try server.start() } catch { throw XCTSkip("cannot run sshd on 127.77.2.22:22: \(error)") }
        XCTAssertEqual(server.knownHostsName, "127.77.2.22")
        let file = try server.writeKnownHosts(["127.77.2.22 \(server.hostKeyLine)"])
        try server.session(knownHosts: file).close()
    }

    func testRevokedKeyIsRefused() throws {
        try SSHServerFixture.with(address: "127.77.2.7", port: 2217) { server in
            let file = try server.writeKnownHosts([
                "\(server.knownHostsName) \(server.hostKeyLine)", "@revoked * \(server.hostKeyLine)",
            ])
            let error = connectionError { _ = try server.session(knownHosts: file) }
            XCTAssertEqual(error?.phase, .hostkey)
            XCTAssertTrue(error?.message.contains("@revoked at \(file):2") == true, error?.description ?? "")
        }
    }

    func testNothingIsAuthenticatedBeforeTheHostKeyIsTrusted() throws {
        try SSHServerFixture.with(address: "127.77.2.8", port: 2218) { server in
            _ = connectionError { _ = try server.session(knownHosts: server.writeKnownHosts([])) }
            // sshd logs every public key offered; a refused host key means none was.
            XCTAssertFalse(server.log.contains("publickey"), server.log)
        }
    }
}
