import Foundation
import TestSupport
import XCTest

@testable import SSH

/// Remote commands over a real sshd on 127.77.1.x.
final class SSHExecTests: XCTestCase {
    func testTrickyArgvArrivesIntact() throws {
        try SSHServerFixture.with(address: "127.77.1.1", port: 2201) { server in
            let session = try server.session()
            defer { session.close() }
            let marker = server.directory + "/injected"
            let words = [
                "two words", "it's", "\"double\"", "$(touch \(marker))", "`touch \(marker)`", "line1\nline2",
                "*", "-n", "back\\slash", "", "semi;colon|pipe&amp", "  leading and trailing  ", "ünïcødé",
            ]
            // printf prints each argument followed by a NUL, so the split below sees every
            // word exactly as the remote program received it.
            let result = try session.run(
                ["printf", "%s\\0"] + words, become: false, becomeUser: nil, timeout: .seconds(30))
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(
                result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(
                    String.init), words)
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: marker), "a $() or backquote was executed remotely")
        }
    }

    func testExitStatusStdoutAndStderr() throws {
        try SSHServerFixture.with(address: "127.77.1.2", port: 2202) { server in
            let session = try server.session()
            defer { session.close() }
            let result = try session.run(
                ["/bin/sh", "-c", "echo out; echo err >&2; exit 7"], become: false, becomeUser: nil,
                timeout: .seconds(30))
            XCTAssertEqual(result.status, 7)
            XCTAssertEqual(result.stdout, "out\n")
            XCTAssertEqual(result.stderr, "err\n")
            // The session stays usable after a failing command.
            XCTAssertEqual(
                try session.run(["true"], become: false, becomeUser: nil, timeout: .seconds(30)).status, 0)
        }
    }

    func testLargeStderrAndStdoutTogetherDoNotDeadlock() throws {
        try SSHServerFixture.with(address: "127.77.1.3", port: 2203) { server in
            let session = try server.session()
            defer { session.close() }
            // 4 MB on stderr before anything on stdout: far beyond the channel window.
            let script = "head -c 4000000 /dev/zero | tr '\\0' e >&2; head -c 1000000 /dev/zero | tr '\\0' o"
            let result = try session.exec(
                ["/bin/sh", "-c", script], options: ExecOptions(timeout: .seconds(120)))
            XCTAssertEqual(result.status, 0)
            // Both streams are read to the end; 64 KiB of each end is kept (OutputCaptureTests).
            XCTAssertEqual(result.stderrCapture.totalBytes, 4_000_000)
            XCTAssertEqual(result.stdoutCapture.totalBytes, 1_000_000)
            XCTAssertTrue(
                (result.stderrCapture.head + result.stderrCapture.tail).allSatisfy { $0 == UInt8(ascii: "e") }
            )
        }
    }

    func testCommandTimeoutIsATypedExecError() throws {
        try SSHServerFixture.with(address: "127.77.1.4", port: 2204) { server in
            let session = try server.session()
            defer { session.close() }
            let error = connectionError {
                _ = try session.run(["sleep", "60"], become: false, becomeUser: nil, timeout: .seconds(1))
            }
            XCTAssertEqual(error?.phase, .exec)
            XCTAssertEqual(error?.isTimeout, true)
            XCTAssertTrue(error?.message.contains("`sleep`") == true, error?.description ?? "")
            // The broken session refuses further work with a typed error instead of hanging.
            XCTAssertEqual(
                connectionError {
                    _ = try session.run(["true"], become: false, becomeUser: nil, timeout: .seconds(5))
                }?.phase, .exec)
        }
    }

    func testWholeHostDeadlineCapsEveryCommand() throws {
        try SSHServerFixture.with(address: "127.77.1.5", port: 2205) { server in
            var options = try server.options()
            options.hostTimeout = .seconds(3)
            let session = try SSHSession(endpoint: server.endpoint(), options: options)
            defer { session.close() }
            let error = connectionError {
                _ = try session.run(["sleep", "60"], become: false, becomeUser: nil, timeout: .seconds(600))
            }
            XCTAssertEqual(error?.isTimeout, true)
            XCTAssertTrue(error?.message.contains("whole-host deadline") == true, error?.description ?? "")
        }
    }

    func testManySessionsInParallelOnTheirOwnThreads() async throws {
        let server = try SSHServerFixture(address: "127.77.1.6", port: 2206)
        defer { server.stop(removingFiles: true) }
        try server.start()
        let options = try server.options()
        let endpoint = server.endpoint()
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<24 {
                group.addTask {
                    try await SSHSession.onDedicatedThread { () throws(HostConnectionError) -> String in
                        let session = try SSHSession(endpoint: endpoint, options: options)
                        defer { session.close() }
                        return try session.run(
                            ["echo", "host \(index)"], become: false, becomeUser: nil, timeout: .seconds(60)
                        ).stdout
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(Set(outputs), Set((0..<24).map { "host \($0)\n" }))
    }
}
