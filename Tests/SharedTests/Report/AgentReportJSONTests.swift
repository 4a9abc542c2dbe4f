import Foundation
import Shared
import XCTest

/// The agent writes reports with the Foundation-free JSONWriter; the coordinator reads them with
/// Foundation's JSONDecoder. These prove the two agree.
final class AgentReportJSONTests: XCTestCase {
    private func sample() -> AgentReport {
        AgentReport(
            agentVersion: "0.1.0", host: "web-1", command: "apply", patchID: "parity-fix", exitCode: .partial,
            message: nil,
            processes: [
                ProcessReport(
                    pid: Pid(4242), startTime: 123_456_789, executable: "/opt/parity \"v1\"\n",
                    outcome: .applied,
                    pauseMicroseconds: 312, attempts: 2,
                    patches: [
                        PatchInProcess(
                            id: "parity-fix", contentHash: String(repeating: "ab", count: 32),
                            address: RemoteAddress(0x7fff_ffff_f000_1000), state: .active,
                            entries: [
                                PatchEntryStatus(
                                    address: RemoteAddress(0x5555_0000_1130), symbol: "is_even",
                                    state: .active)
                            ])
                    ]),
                ProcessReport(
                    pid: Pid(7), startTime: 0, executable: "", outcome: .failed,
                    error: ProcessError(
                        kind: .noSafePoint, message: "tid 9 is in is_even\tretry", tid: Tid(9),
                        symbol: "is_even")),
            ])
    }

    func testReportRoundTripsThroughJSONDecoder() throws {
        let report = sample()
        let text = try JSONWriter.encode(report)
        XCTAssertFalse(text.contains("\n"), "one line")
        let decoded = try JSONDecoder().decode(AgentReport.self, from: Data(text.utf8))
        XCTAssertEqual(decoded, report)
        XCTAssertEqual(decoded.schemaVersion, AgentReport.currentSchemaVersion)
    }

    func testWriterMatchesJSONEncoderField() {
        // Field names and enum spellings are what the coordinator's own encoder would produce.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let mine =
            try! JSONSerialization.jsonObject(with: Data(try! JSONWriter.encode(sample()).utf8))
            as! NSDictionary
        let theirs = try! JSONSerialization.jsonObject(with: try! encoder.encode(sample())) as! NSDictionary
        XCTAssertEqual(mine, theirs)
    }

    func testNilOptionalsAreLeftOutAndStringsEscaped() throws {
        let text = try JSONWriter.encode(sample())
        XCTAssertFalse(text.contains("\"message\":null"))
        XCTAssertTrue(
            text.contains(#""executable":"\/opt\/parity \"v1\"\n""#)
                || text.contains(#""executable":"/opt/parity \"v1\"\n""#))
        XCTAssertTrue(text.contains(#""exitCode":8"#))
        XCTAssertTrue(text.contains(#""outcome":"already-applied""#) == false)
    }
}
