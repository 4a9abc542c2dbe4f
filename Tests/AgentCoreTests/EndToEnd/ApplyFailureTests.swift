import Foundation
import Shared
import TestSupport
import XCTest

/// The ways apply must fail: clearly, with the right exit code, and with nothing written.
final class ApplyFailureTests: XCTestCase {
    private var fixture: CFixture!
    private var state: String!
    private var computePatch: String!

    override func setUpWithError() throws {
        fixture = try CFixture("agent-failures")
        state = fixture.path("state")
        try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        computePatch = try fixture.servicePatch(
            id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
    }

    override func tearDown() { fixture.remove() }

    /// A thread spinning inside the replaced function: no safe point; after --timeout the agent
    /// names the thread and the function, and the function's bytes are as they were.
    func testThreadSpinningInTheFunctionBlocksApplyUntilTimeout() throws {
        let patch = try fixture.servicePatch(
            id: "busy-fix", fix: Fixtures.busyLoopFix, functions: ["busy_loop"])
        let program = try TargetProgram(fixture.path("service"), ["spin"])
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "ready" })
        let before = try busyLoopBytes(program)

        let run = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--timeout", "1s"], stateDirectory: state)

        XCTAssertEqual(run.status, AgentExitCode.noSafePoint.rawValue, run.output)
        let error = try XCTUnwrap(run.report?.processes.first?.error, run.output)
        XCTAssertEqual(error.symbol, "busy_loop")
        let spinner = try XCTUnwrap(error.tid)
        XCTAssertTrue(
            error.message.contains("tid \(spinner)") && error.message.contains("busy_loop"), error.message)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: "/proc/\(program.pid)/task/\(spinner)"), "a real thread")
        XCTAssertEqual(try busyLoopBytes(program), before, "the function is unchanged")
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [], "the patch memory was unmapped")
    }

    /// A pause budget no stop can meet: the agent undoes or never makes its writes, reports no
    /// safe point naming --max-pause, and the function and the process are as they were.
    func testAPauseBudgetNoStopCanMeetChangesNothing() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let before = try computeBytes(program)

        let run = try AgentBinary.run(
            ["apply", computePatch, "--pid", "\(program.pid)", "--max-pause", "1us", "--timeout", "300ms"],
            stateDirectory: state)

        XCTAssertEqual(run.status, AgentExitCode.noSafePoint.rawValue, run.output)
        let message = run.report?.processes.first?.error?.message ?? ""
        XCTAssertTrue(message.contains("--max-pause") && message.contains("nothing was changed"), message)
        XCTAssertEqual(try computeBytes(program), before, "the function is unchanged")
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [], "the patch memory was unmapped")
        XCTAssertNil(program.waitForLine(timeout: 0.5) { $0 == "compute=43" })
    }

    /// A patch for another build: target-mismatch naming both build-ids; nothing written.
    func testPatchForAnotherBuildIsRefused() throws {
        try fixture.link(
            "other", Fixtures.blockingService + "\nint other_build_marker = 7;\n", flags: Fixtures.targetFlags
        )
        let program = try TargetProgram(fixture.path("other"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "ready" })

        let run = try AgentBinary.run(
            ["apply", computePatch, "--pid", "\(program.pid)"], stateDirectory: state)

        XCTAssertEqual(run.status, AgentExitCode.targetMismatch.rawValue, run.output)
        let message = run.report?.processes.first?.error?.message ?? ""
        XCTAssertTrue(message.contains("build-id") && message.contains("pid \(program.pid)"), message)
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [])
        XCTAssertNil(program.waitForLine(timeout: 0.5) { $0 == "compute=43" })
    }

    /// A pid that does not exist: no-target, naming the pid.
    func testNonexistentPidIsNoTarget() throws {
        let run = try AgentBinary.run(["apply", computePatch, "--pid", "4000000"], stateDirectory: state)
        XCTAssertEqual(run.status, AgentExitCode.noTarget.rawValue, run.output)
        XCTAssertTrue(run.report?.processes.first?.error?.message.contains("pid 4000000") == true, run.output)
    }

    /// A user without ptrace rights over the target: permission, saying how to get them.
    func testUserWithoutPtraceRightsGetsPermissionError() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "ready" })
        // Let `nobody` read the patch and write its own state directory: only ptrace is refused.
        chmod(fixture.directory, 0o755)
        chmod(computePatch, 0o644)
        mkdir(state, 0o777)
        chmod(state, 0o777)
        let before = try computeBytes(program)

        let nobody = 65534
        let run = try AgentBinary.run(
            ["apply", computePatch, "--pid", "\(program.pid)"], stateDirectory: state, asUser: nobody)

        XCTAssertEqual(run.status, AgentExitCode.permission.rawValue, run.output)
        XCTAssertTrue(run.output.contains("root") || run.output.contains("CAP_SYS_PTRACE"), run.output)
        XCTAssertEqual(try computeBytes(program), before)
        XCTAssertNil(program.waitForLine(timeout: 0.5) { $0 == "compute=43" })
    }

    private func busyLoopBytes(_ program: TargetProgram) throws -> [UInt8] {
        try functionBytes(program, "busy_loop")
    }

    private func computeBytes(_ program: TargetProgram) throws -> [UInt8] {
        try functionBytes(program, "compute")
    }

    private func functionBytes(_ program: TargetProgram, _ name: String) throws -> [UInt8] {
        let elf = try ELFFile(bytes: try fixture.bytes("service"))
        let symbol = try XCTUnwrap(try elf.symbolTable()?.first { $0.name == name })
        let base = try XCTUnwrap(ProcessMemory.loadBase(program.pid, path: fixture.path("service")))
        return try XCTUnwrap(ProcessMemory.read(program.pid, base + symbol.value, count: Int(symbol.size)))
    }
}

extension ApplyFailureTests {
    /// The target exits while the agent waits for a safe point: reported as process-exited.
    func testProcessExitingMidApplyIsReportedNotCrashedOn() throws {
        let patch = try fixture.servicePatch(
            id: "busy-fix", fix: Fixtures.busyLoopFix, functions: ["busy_loop"])
        let program = try TargetProgram(fixture.path("service"), ["spin"])
        XCTAssertNotNil(program.waitForLine { $0 == "ready" })
        let pid = program.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { program.stop() }

        let run = try AgentBinary.run(
            ["apply", patch, "--pid", "\(pid)", "--timeout", "20s"], stateDirectory: fixture.path("state"))

        XCTAssertEqual(run.status, AgentExitCode.processExited.rawValue, run.output)
        XCTAssertTrue(run.report?.processes.first?.error?.message.contains("pid \(pid)") == true, run.output)
    }
}
