import Foundation
import Shared
import TestSupport
import XCTest

@testable import Orchestrator

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

    func testTheAgentsReportIsReadAfterMegabytesOfNoiseAndOneTooLargeToKeepFailsClearly() throws {
        try SSHServerFixture.with(address: "127.77.9.4", port: 2294) { server in
            let session = try server.session()
            defer { session.close() }
            let folder = NSTemporaryDirectory() + "SSHOutputLimitTests-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let report = AgentReport(
                agentVersion: "test", host: "fixture", command: "status", patchID: nil, exitCode: .success,
                message: nil, processes: [])
            let line = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)

            // A stand-in agent (a script, uploaded and run as the agent is) that prints 20 MB
            // of noise before its report: the report is the last line and arrives whole.
            let noisy = folder + "/noisy-agent"
            try "#!/bin/sh\nhead -c 20000000 /dev/zero | tr '\\0' n\necho\necho '\(line)'\n".write(
                toFile: noisy, atomically: true, encoding: .utf8)
            var agent = AgentClient(
                connection: session, host: JournalTestRecords.host("fixture"), timeout: .seconds(120))
            try agent.uploadAgent(noisy)
            XCTAssertEqual(try agent.status(), report)

            // One whose report line alone is larger than the 8 MiB kept: a clear failure.
            let huge = folder + "/huge-report-agent"
            try "#!/bin/sh\nprintf '{\"x\":\"'; head -c 9000000 /dev/zero | tr '\\0' x; echo '\"}'\n".write(
                toFile: huge, atomically: true, encoding: .utf8)
            try agent.uploadAgent(huge)
            XCTAssertThrowsError(try agent.status()) { error in
                let text = "\(error)"
                XCTAssertTrue(
                    text.hasPrefix("hotpatch-agent status printed 9,000,009 bytes, and its report"), text)
                XCTAssertTrue(text.contains("does not fit in the 8 MiB the coordinator reads of it"), text)
            }
        }
    }
}
