import Foundation
import Shared
import TestSupport
import XCTest

/// `status` reads the process, not the journal; patches stack and revert in order.
final class StateTruthTests: XCTestCase {
    private var fixture: CFixture!
    private var state: String!

    override func setUpWithError() throws {
        fixture = try CFixture("agent-state")
        state = fixture.path("state")
        try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
    }

    override func tearDown() { fixture.remove() }

    /// An agent killed with SIGKILL mid-apply (waiting for a safe point that never comes) leaves
    /// patch memory without any entry written: status says so, with and without the journal, and
    /// revert frees it.
    func testStatusAfterAgentKilledMidApplyAndJournalDeleted() throws {
        let patch = try fixture.servicePatch(
            id: "busy-fix", fix: Fixtures.busyLoopFix, functions: ["busy_loop"])
        let program = try TargetProgram(fixture.path("service"), ["spin"])
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "ready" })

        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: AgentBinary.path)
        agent.arguments = [
            "apply", patch, "--pid", "\(program.pid)", "--timeout", "60s", "--state-dir", state,
        ]
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        let journal = state + "/journal.log"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline,
            (try? String(contentsOfFile: journal, encoding: .utf8))?.contains("apply-begin") != true
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 1.0)  // well into the safe-point retries
        kill(agent.processIdentifier, SIGKILL)
        agent.waitUntilExit()

        let text = try String(contentsOfFile: journal, encoding: .utf8)
        XCTAssertTrue(text.contains("event=apply-begin") && !text.contains("event=apply-end"), text)
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches.map(\.id), ["busy-fix"], status.output)
        XCTAssertEqual(status.report?.processes.first?.patches.first?.state, .inactive, status.output)

        try FileManager.default.removeItem(atPath: state)
        let afterLoss = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(afterLoss.report?.processes, status.report?.processes)

        let cleaned = try AgentBinary.run(
            ["revert", "--id", "busy-fix", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(cleaned.status, 0, cleaned.output)
        XCTAssertEqual(cleaned.report?.processes.first?.patches, [])
    }

    /// Two patches of the same function stack; the older cannot be reverted while the newer
    /// builds on it; reverting newest first restores each version in turn. Status tells the
    /// truth after the journal is deleted.
    func testStackedPatchesRevertNewestFirst() throws {
        let first = try fixture.servicePatch(
            id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
        let second = try CreateBinary.create(
            id: "compute-fix-2", target: fixture.path("service"),
            object: try fixture.object(
                "fix2", Fixtures.computeFixCallingLibc, flags: Fixtures.objectFlags),
            functions: ["compute"], output: fixture.path("compute-fix-2.hotpatch"))
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let pid = "\(program.pid)"

        XCTAssertEqual(try AgentBinary.run(["apply", first, "--pid", pid], stateDirectory: state).status, 0)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" })
        let again = try AgentBinary.run(["apply", first, "--pid", pid], stateDirectory: state)
        XCTAssertEqual(again.report?.processes.first?.outcome, .alreadyApplied, again.output)
        let stacked = try AgentBinary.run(["apply", second, "--pid", pid], stateDirectory: state)
        XCTAssertEqual(stacked.status, 0, stacked.output)
        XCTAssertNotNil(
            program.waitForLine { $0 == "compute=44" }, "the second patch (calling libc abs) runs")

        try FileManager.default.removeItem(atPath: state)
        let status = try AgentBinary.run(["status", "--pid", pid], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches.map(\.id), ["compute-fix", "compute-fix-2"])
        XCTAssertEqual(status.report?.processes.first?.patches.map(\.state), [.active, .active])

        let refused = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", pid], stateDirectory: state)
        XCTAssertEqual(refused.status, AgentExitCode.refused.rawValue, refused.output)
        XCTAssertTrue(
            refused.report?.processes.first?.error?.message.contains("compute-fix-2") == true, refused.output)

        XCTAssertEqual(
            try AgentBinary.run(["revert", second, "--pid", pid], stateDirectory: state).status, 0)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" })
        XCTAssertEqual(
            try AgentBinary.run(["revert", "--id", "compute-fix", "--pid", pid], stateDirectory: state)
                .status, 0)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        XCTAssertEqual(program.lines.filter { $0.hasPrefix("BAD") }, [])
    }
}

extension StateTruthTests {
    /// Someone else overwrites the patch's jump: status says drifted, naming the function, and
    /// revert refuses to write over bytes it did not put there.
    func testOverwrittenJumpIsReportedDriftedAndNotReverted() throws {
        let patch = try fixture.servicePatch(
            id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let pid = "\(program.pid)"
        let applied = try AgentBinary.run(["apply", patch, "--pid", pid], stateDirectory: state)
        let entry = try XCTUnwrap(
            applied.report?.processes.first?.patches.first?.entries.first, applied.output)

        // Freeze the program so nothing executes the foreign bytes, then overwrite the jump.
        XCTAssertNil(ThreadStates.stop(program.pid.rawValue), "the program did not stop")
        defer { kill(program.pid.rawValue, SIGCONT) }
        let jump = try XCTUnwrap(ProcessMemory.read(program.pid, entry.address.rawValue, count: 5))
        XCTAssertTrue(
            ProcessMemory.write(program.pid, entry.address.rawValue, [0xe9, 0x11, 0x22, 0x33, 0x44]))

        let status = try AgentBinary.run(["status", "--pid", pid], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches.first?.state, .drifted, status.output)
        XCTAssertEqual(status.report?.processes.first?.patches.first?.entries.first?.symbol, "compute")
        let revert = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", pid], stateDirectory: state)
        XCTAssertEqual(revert.status, AgentExitCode.refused.rawValue, revert.output)
        XCTAssertEqual(
            ProcessMemory.read(program.pid, entry.address.rawValue, count: 5), [0xe9, 0x11, 0x22, 0x33, 0x44])

        XCTAssertTrue(ProcessMemory.write(program.pid, entry.address.rawValue, jump))
    }
}
