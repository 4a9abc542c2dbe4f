import Foundation
import Shared
import TestSupport
import XCTest

@testable import Fleet

/// The agent's report is read whole behind megabytes of other output, and a report too large
/// to keep fails with a message that says so (over a real SSH session to a local sshd).
final class AgentClientOutputLimitTests: XCTestCase {
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
