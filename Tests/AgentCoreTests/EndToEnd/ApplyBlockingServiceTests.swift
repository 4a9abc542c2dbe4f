import Foundation
import Shared
import TestSupport
import XCTest

/// Apply and revert on a real multi-threaded process whose threads sit in blocking system calls.
final class ApplyBlockingServiceTests: XCTestCase {
    private var fixture: CFixture!
    private var state: String!

    override func setUpWithError() throws {
        fixture = try CFixture("agent-blocking")
        state = fixture.path("state")
        try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
    }

    override func tearDown() { fixture.remove() }

    /// The patch takes effect, every blocked call resumes with its proper result (no EINTR, no
    /// short sleep), revert restores the old behaviour and frees the patch memory.
    func testApplyAndRevertLeaveBlockedSystemCallsUndisturbed() throws {
        let patch = try fixture.servicePatch(
            id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        XCTAssertNotNil(program.waitForLine { $0.hasPrefix("checks=") })

        let applied = try AgentBinary.run(
            [
                "apply", patch, "--pid", "\(program.pid)",
            ], stateDirectory: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(applied.report?.processes.first?.outcome, .applied, applied.output)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" }, "the patched compute runs")
        let pause = applied.report?.processes.first?.pauseMicroseconds ?? 0
        print("apply pause: \(pause) µs")

        // Several more apply/revert cycles interrupt every blocked call a few more times.
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches.map(\.id), ["compute-fix"])
        XCTAssertEqual(status.report?.processes.first?.patches.first?.state, .active)

        let reverted = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertEqual(reverted.report?.processes.first?.outcome, .reverted, reverted.output)
        XCTAssertEqual(reverted.report?.processes.first?.patches ?? [], [])
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" }, "the original compute runs again")

        // Let every checker complete a full cycle after the last stop, then look for complaints.
        let checksNow = program.lines.filter { $0.hasPrefix("checks=") }.count
        XCTAssertNotNil(
            program.waitForLine { _ in program.lines.filter { $0.hasPrefix("checks=") }.count >= checksNow + 3
            })
        let complaints = program.lines.filter { $0.hasPrefix("BAD") }
        XCTAssertEqual(complaints, [], "blocked system calls were disturbed")
        XCTAssertTrue(program.process.isRunning)
    }
}
