import Foundation
import Shared
import TestSupport
import XCTest

@testable import SSH

/// The output bounds of one remote command over a real sshd (no lab): what is kept, the
/// flood ceiling, and a writer that outlives its deadline.
final class SSHOutputLimitTests: XCTestCase {
    func testOutputPastTheKeptBytesIsCountedAndTheReportAtTheEndArrivesWhole() throws {
        try SSHServerFixture.with(address: "127.77.9.1", port: 2291) { server in
            let session = try server.session()
            defer { session.close() }
            // 3 MB of noise, then a last line: kept whole by a tail large enough for it.
            let script = #"head -c 3000000 /dev/zero | tr '\0' n; echo; echo '{"last":"line"}'"#
            let limits = OutputLimits(headBytes: 1024, tailBytes: 64, ceilingBytes: 10_000_000)
            let result = try session.exec(["/bin/sh", "-c", script], options: ExecOptions(limits: limits))
            XCTAssertEqual(result.status, 0)
            XCTAssertEqual(result.stdoutCapture.totalBytes, 3_000_017)
            XCTAssertEqual(result.stdoutCapture.droppedBytes, 3_000_017 - 1024 - 64)
            XCTAssertTrue(
                result.stdoutText.hasSuffix("\n{\"last\":\"line\"}\n"), String(result.stdoutText.suffix(80)))
            XCTAssertTrue(result.stdoutText.contains("\n… 2,998,929 bytes not shown …\n"))
        }
    }

    func testACommandPastTheCeilingFailsAsAFloodAndItsSessionIsClosed() throws {
        try SSHServerFixture.with(address: "127.77.9.2", port: 2292) { server in
            let session = try server.session()
            defer { session.close() }
            let limits = OutputLimits(headBytes: 1024, tailBytes: 1024, ceilingBytes: 2_000_000)
            var caught: HostConnectionError?
            do {
                _ = try session.exec(["yes"], options: ExecOptions(timeout: .seconds(300), limits: limits))
            } catch {
                caught = error as? HostConnectionError
            }
            let error = try XCTUnwrap(caught, "yes must not end by itself")
            XCTAssertTrue(error.isFlood, error.description)
            XCTAssertFalse(error.isTimeout, error.description)
            XCTAssertTrue(
                error.message.hasPrefix("`yes` printed more than 2,000,000 bytes (stdout "), error.message)
            XCTAssertTrue(error.message.hasSuffix("; stopped reading and closed the channel"), error.message)
            XCTAssertFalse(session.isOpen, "a flooded session is not reused")
        }
    }

    func testACommandStillWritingAtItsDeadlineIsCutOffThere() throws {
        try SSHServerFixture.with(address: "127.77.9.3", port: 2293) { server in
            let session = try server.session()
            defer { session.close() }
            // Slow enough never to reach the ceiling, never silent long enough to wait on the socket.
            let script = "while :; do echo tick; done"
            var caught: HostConnectionError?
            do {
                _ = try session.exec(["/bin/sh", "-c", script], options: ExecOptions(timeout: .seconds(2)))
            } catch {
                caught = error as? HostConnectionError
            }
            let error = try XCTUnwrap(caught, "the loop must not end by itself")
            XCTAssertTrue(error.isTimeout, error.description)
            XCTAssertTrue(
                error.message.contains("bytes of output read so far); stopped reading"), error.message)
        }
    }
}
