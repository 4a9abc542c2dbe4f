import Shared
import XCTest

@testable import AgentCore

final class AgentCommandTests: XCTestCase {
    func testExitCodeForMixedResults() {
        func report(_ kind: AgentExitCode?) -> ProcessReport {
            ProcessReport(
                pid: Pid(1), startTime: 1, executable: "", outcome: kind == nil ? .applied : .failed,
                error: kind.map { ProcessError(kind: $0, message: "") })
        }
        XCTAssertEqual(AgentCommand.exitCode([report(nil), report(nil)], failure: nil), .success)
        XCTAssertEqual(AgentCommand.exitCode([report(nil), report(.noSafePoint)], failure: nil), .partial)
        XCTAssertEqual(
            AgentCommand.exitCode([report(.permission), report(.permission)], failure: nil), .permission)
        XCTAssertEqual(
            AgentCommand.exitCode([report(.permission), report(.noSafePoint)], failure: nil), .failed)
        XCTAssertEqual(AgentCommand.exitCode([], failure: AgentFailure(.badPatch, "x")), .badPatch)
    }
}
