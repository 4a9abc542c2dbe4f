import Foundation
import XCTest

@testable import SSH

/// known_hosts parsing and matching, as tables. Keys and the hashed lines below were made
/// with `ssh-keygen -t ed25519` and `ssh-keygen -H` (OpenSSH 9.2), so they are real.
final class KnownHostsTests: XCTestCase {
    static let keyA = "AAAAC3NzaC1lZDI1NTE5AAAAIM3FfgAfgtdn588BJMwqyT67tNsLMd2nEJ8EtU0tNGX7"
    static let keyAFingerprint = "SHA256:8wME+OtP2HyUA1SFv19LKOIJ8tzHCR7UfJNOPV8Spmg"
    /// A second, unrelated ed25519 key.
    static let keyB = "AAAAC3NzaC1lZDI1NTE5AAAAIHvcHwcpTPWMOB1HeoKpr9BYg6xy0ZZaCQi7gIPUzzEx"
    static let ecdsaKey =
        "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBC1DYt5VXHrh2Gv9DqDENVRTSgPTs/3X+3Xpvblb3Mg+x0s+xFKt23CbZHeABVeLknIZ/978QRZjGsMIvkcI40Y="
    /// `web01` and `[db.example.com]:2222`, hashed by `ssh-keygen -H`, both with key A.
    static let hashedWeb01 =
        "|1|MpTvBGdUXqYZ1ADY3rVw12vLcYE=|/rg2uf3B4SjeTp2b1JbNa+x5jjI= ssh-ed25519 " + keyA
    static let hashedDb2222 =
        "|1|5G0jI6V0F/GsX0DNf+IapbsEzxk=|oqkEeGWrw/wb4Glb3wF7cMN3NvA= ssh-ed25519 " + keyA

    private func key(_ base64: String) -> HostKey { HostKey(blob: Array(Data(base64Encoded: base64)!)) }

    func testFingerprintIsOpenSSHFormat() {
        XCTAssertEqual(key(Self.keyA).fingerprint, Self.keyAFingerprint)
        XCTAssertEqual(key(Self.keyA).type, "ssh-ed25519")
    }

    /// One known_hosts file, the host and key a session offers, and the verdict expected.
    private typealias Row = (
        file: [String], host: String, port: Int, key: String, expected: HostKeyVerdict, why: String
    )

    func testVerdictTableOfNamesPortsPatternsAndHashes() {
        let a = Self.keyA
        let cases: [Row] =
                [
                    (["web01 ssh-ed25519 \(a)"], "web01", 22, a, .trusted(line: 1), "plain name"),
                    (
                        ["WEB01 ssh-ed25519 \(a)"], "web01", 22, a, .trusted(line: 1),
                        "names compare case-insensitively"
                    ),
                    (
                        ["# comment", "", "web02,web01,10.0.0.1 ssh-ed25519 \(a)"], "10.0.0.1", 22, a,
                        .trusted(line: 3), "comma list"
                    ),
                    (
                        ["[web01]:2222 ssh-ed25519 \(a)"], "web01", 2222, a, .trusted(line: 1),
                        "[host]:port off port 22"
                    ),
                    (
                        ["web01 ssh-ed25519 \(a)"], "web01", 2222, a, .unknown,
                        "a port-22 entry does not cover another port"
                    ),
                    (
                        ["[web01]:2222 ssh-ed25519 \(a)"], "web01", 22, a, .unknown,
                        "a [host]:port entry does not cover port 22"
                    ),
                    (
                        ["*.example.com ssh-ed25519 \(a)"], "db.example.com", 22, a, .trusted(line: 1),
                        "wildcard"
                    ),
                    (
                        ["*.example.com,!db.example.com ssh-ed25519 \(a)"], "db.example.com", 22, a, .unknown,
                        "negation"
                    ),
                    (["web0? ssh-ed25519 \(a)"], "web07", 22, a, .trusted(line: 1), "question mark"),
                    ([Self.hashedWeb01], "web01", 22, a, .trusted(line: 1), "hashed name"),
                    ([Self.hashedDb2222], "db.example.com", 2222, a, .trusted(line: 1), "hashed [host]:port"),
                    ([Self.hashedWeb01], "web02", 22, a, .unknown, "hashed entry of another host"),
                ]
        check(cases)
    }

    func testVerdictTableOfChangedRevokedAndAuthorityKeys() {
        let a = Self.keyA
        let b = Self.keyB
        let cases: [Row] =
                [
                    (
                        ["web01 ssh-ed25519 \(b)"], "web01", 22, a,
                        .changed(line: 1, recordedType: "ssh-ed25519"), "changed key"
                    ),
                    (
                        ["other ssh-ed25519 \(a)", Self.hashedWeb01.replacingOccurrences(of: a, with: b)],
                        "web01", 22, a,
                        .changed(line: 2, recordedType: "ssh-ed25519"),
                        "changed key in a hashed entry names its line"
                    ),
                    (
                        ["web01 ssh-ed25519 \(a)", "@revoked * ssh-ed25519 \(a)"], "web01", 22, a,
                        .revoked(line: 2), "revoked wins"
                    ),
                    (
                        ["@revoked * ssh-ed25519 \(b)", "web01 ssh-ed25519 \(a)"], "web01", 22, a,
                        .trusted(line: 2), "another key revoked"
                    ),
                    (
                        ["@cert-authority *.example.com ssh-ed25519 \(b)"], "db.example.com", 22, a,
                        .certificateAuthorityOnly(line: 1), "CA only"
                    ),
                    (
                        ["garbage line", "web01 ssh-rsa \(a)", "web01 ssh-ed25519 \(a)"], "web01", 22, a,
                        .trusted(line: 3), "bad lines skipped"
                    ),
                    ([], "web01", 22, a, .unknown, "empty file"),
                ]
        check(cases)
    }

    /// Reads each row's file and compares its verdict with the expected one.
    private func check(_ cases: [Row]) {
        for entry in cases {
            let file = KnownHostsFile(path: "/kh", text: entry.file.joined(separator: "\n"))
            XCTAssertEqual(
                file.verdict(host: entry.host, port: entry.port, key: key(entry.key)), entry.expected,
                entry.why)
        }
    }

    func testMalformedLinesAreReportedWithLineNumbers() {
        let file = KnownHostsFile(
            path: "/kh",
            text: [
                "web01", "@bogus web01 ssh-ed25519 \(Self.keyA)", "web01 ssh-rsa \(Self.keyA)",
                "web01 ssh-ed25519 !!!",
            ]
            .joined(separator: "\n"))
        XCTAssertEqual(file.entries.count, 0)
        XCTAssertEqual(file.problems.map(\.line), [1, 2, 3, 4])
        XCTAssertTrue(file.problems[2].reason.contains("does not match"), file.problems[2].reason)
    }

    func testRecordedKeyTypesLeadTheHandshake() {
        let file = KnownHostsFile(
            path: "/kh",
            text:
                "[h]:2200 ecdsa-sha2-nistp256 \(Self.ecdsaKey)\n[h]:2200 ssh-ed25519 \(Self.keyA)\nh ssh-ed25519 \(Self.keyB)"
        )
        XCTAssertEqual(file.recordedKeyTypes(host: "h", port: 2200), ["ecdsa-sha2-nistp256", "ssh-ed25519"])
        XCTAssertEqual(file.recordedKeyTypes(host: "h", port: 22), ["ssh-ed25519"])
    }

    func testRecordIfUnknownAppendsOnceAndCreatesThePrivateFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/ssh/known_hosts"
        let first = try KnownHostsFile.recordIfUnknown(
            path: path, host: "10.1.1.1", port: 2222, key: key(Self.keyA))
        let again = try KnownHostsFile.recordIfUnknown(
            path: path, host: "10.1.1.1", port: 2222, key: key(Self.keyA))
        XCTAssertEqual(first, .trusted(line: 1))
        XCTAssertEqual(again, .trusted(line: 1))
        XCTAssertEqual(
            try String(contentsOfFile: path, encoding: .utf8), "[10.1.1.1]:2222 ssh-ed25519 \(Self.keyA)\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let changed = try KnownHostsFile.recordIfUnknown(
            path: path, host: "10.1.1.1", port: 2222, key: key(Self.keyB))
        XCTAssertEqual(changed, .changed(line: 1, recordedType: "ssh-ed25519"), "accept-new never overwrites")
        // A second host goes after the first (the file is read back to keep it line-based).
        let second = try KnownHostsFile.recordIfUnknown(path: path, host: "10.1.1.2", port: 22, key: key(Self.keyB))
        XCTAssertEqual(second, .trusted(line: 2))
        XCTAssertEqual(
            try String(contentsOfFile: path, encoding: .utf8),
            "[10.1.1.1]:2222 ssh-ed25519 \(Self.keyA)\n10.1.1.2 ssh-ed25519 \(Self.keyB)\n")
    }
}
