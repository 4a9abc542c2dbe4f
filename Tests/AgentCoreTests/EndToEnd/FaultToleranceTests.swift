import Foundation
import Shared
import TestSupport
import XCTest

/// The agent killed (SIGKILL) at every named step of apply and revert, on a real process that
/// checks two patched functions against each other: the target lives on (same pid and start
/// time), is fully patched or fully unpatched, `status` says which, and a plain revert cleans up.
/// Then the target exiting, exec'ing and forking while the agent works.
final class FaultToleranceTests: XCTestCase {
    private var fixture: CFixture!
    private var state: String!
    private var target: String!
    private var patch: String!
    private var offsets: [UInt64] = []

    /// Steps of apply, in order: the failpoint, what the target must be left as, and what the
    /// guardian must have done (its `guard-repair` journal line; "-" when no window was open).
    private static let applySteps: [Step] = [
        .init("apply.after-attach", .old, "-"),
        .init("apply.after-hijack-set-registers", .old, "registers-restored"),
        .init("apply.after-syscall-step", .old, "registers-restored"),
        .init("apply.after-mmap", .old, "-"), .init("apply.after-fill", .old, "-"),
        .init("apply.after-protect", .old, "-"), .init("apply.after-stop", .old, "nothing-written"),
        .init("apply.between-writes", .old, "rolled-back-1-of-2"),
        .init("apply.after-writes-before-detach", .new, "forward-complete"),
        .init("apply.mid-detach", .new, "forward-complete"), .init("apply.after-detach", .new, "-"),
    ]
    /// Steps of revert, in order.
    private static let revertSteps: [Step] = [
        .init("revert.after-stop", .new, "nothing-written"),
        .init("revert.between-writes", .new, "rolled-back-1-of-2"),
        .init("revert.after-writes-before-detach", .old, "forward-complete"),
        .init("revert.mid-detach", .old, "forward-complete"), .init("revert.after-detach", .old, "-"),
        .init("revert.after-attach", .old, "-"),
        .init("revert.after-hijack-set-registers", .old, "registers-restored"),
        .init("revert.after-syscall-step", .old, "registers-restored"),
        .init("revert.after-munmap", .old, "-"),
    ]

    private struct Step {
        let failpoint: String
        let expected: Expected
        let guardian: String
        init(_ failpoint: String, _ expected: Expected, _ guardian: String) {
            (self.failpoint, self.expected, self.guardian) = (failpoint, expected, guardian)
        }
    }

    private enum Expected: String { case old, new }

    override func setUpWithError() throws {
        let built = try FaultFixture.Workspace("agent-faults")
        (fixture, state, target, patch, offsets) =
            (built.fixture, built.state, built.target, built.patch, built.offsets)
    }

    override func tearDown() { fixture.remove() }

    /// SIGKILL at each step of apply: never half patched, status truthful, revert cleans up.
    func testAgentKilledAtEveryApplyStepLeavesTargetWholeAndRevertible() throws {
        let program = try TargetProgram(target)
        defer { program.stop() }
        let original = try waitForOriginalEntries(program)
        var table: [String] = []
        for step in Self.applySteps {
            let failpoint = step.failpoint
            let run = try FaultFixture.run(
                ["apply", patch, "--pid", "\(program.pid)"], failpoint: failpoint, state: state)
            XCTAssertEqual(
                run.status, 128 + SIGKILL, "\(failpoint): the agent died by SIGKILL\n\(run.output)")
            table.append(
                try checkWhole(program, original: original, step: step))
            try cleanUp(program, original: original, failpoint: failpoint)
        }
        print("fault table (apply):\n" + table.joined(separator: "\n"))
    }

    /// SIGKILL at each step of revert (after a clean apply each time).
    func testAgentKilledAtEveryRevertStepLeavesTargetWholeAndRevertible() throws {
        let program = try TargetProgram(target)
        defer { program.stop() }
        let original = try waitForOriginalEntries(program)
        var table: [String] = []
        for step in Self.revertSteps {
            let failpoint = step.failpoint
            let applied = try FaultFixture.run(
                ["apply", patch, "--pid", "\(program.pid)"], failpoint: nil, state: state)
            XCTAssertEqual(applied.status, 0, applied.output)
            XCTAssertEqual(try entries(program, original: original), .new, "\(failpoint): applied first")
            let run = try FaultFixture.run(
                ["revert", "--id", "fg-fix", "--pid", "\(program.pid)"], failpoint: failpoint, state: state)
            XCTAssertEqual(
                run.status, 128 + SIGKILL, "\(failpoint): the agent died by SIGKILL\n\(run.output)")
            table.append(
                try checkWhole(program, original: original, step: step))
            try cleanUp(program, original: original, failpoint: failpoint)
        }
        print("fault table (revert):\n" + table.joined(separator: "\n"))
    }

    // MARK: checks

    private enum EntryState: Equatable, CustomStringConvertible {
        case old, new, half(String)
        var description: String {
            switch self {
            case .old: return "old"
            case .new: return "new"
            case .half(let detail): return "HALF(\(detail))"
            }
        }
    }

    /// The first 5 bytes of each replaced function as the target holds them now: all original,
    /// all a `jmp` (0xe9) to the patch, or a mix.
    private func entries(_ program: TargetProgram, original: [[UInt8]]) throws -> EntryState {
        let base = try XCTUnwrap(ProcessMemory.loadBase(program.pid, path: target))
        let now = try offsets.map { try XCTUnwrap(ProcessMemory.read(program.pid, base + $0, count: 5)) }
        if now == original { return .old }
        if now.allSatisfy({ $0.first == 0xe9 }) && zip(now, original).allSatisfy({ $0 != $1 }) { return .new }
        return .half(now.map { HexDigits.encode($0) }.joined(separator: ","))
    }

    /// The target's threads run at this nice value: the agent raises the one it borrows for an
    /// injected call and must put it back, or its guardian must.
    private static let targetNice: Int32 = 3

    private func waitForOriginalEntries(_ program: TargetProgram) throws -> [[UInt8]] {
        XCTAssertNotNil(program.waitForLine { FaultFixture.Tick($0).map { $0.iterations > 0 } ?? false })
        ThreadStates.setNice(program.pid.rawValue, to: Self.targetNice)
        let base = try XCTUnwrap(ProcessMemory.loadBase(program.pid, path: target))
        return try offsets.map { try XCTUnwrap(ProcessMemory.read(program.pid, base + $0, count: 5)) }
    }

    /// Waits for the dead agent's guardian to finish and the target to run again.
    private func settle(_ program: TargetProgram, _ failpoint: String) {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !FaultFixture.agentProcesses().isEmpty {
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertEqual(FaultFixture.agentProcesses(), [], "\(failpoint): the guardian finished")
        while Date() < deadline && ThreadStates.of(program.pid.rawValue).contains("T") {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Alive, whole, observed whole, and status agrees; returns the table row.
    private func checkWhole(_ program: TargetProgram, original: [[UInt8]], step: Step) throws -> String {
        let (failpoint, expected) = (step.failpoint, step.expected)
        let start = FaultFixture.startTime(program.pid)
        settle(program, failpoint)
        XCTAssertFalse(
            ThreadStates.of(program.pid.rawValue).contains("T"), "\(failpoint): the target runs (not stopped)"
        )
        XCTAssertEqual(FaultFixture.startTime(program.pid), start, "\(failpoint): same process")
        let nice = ThreadStates.niceValues(program.pid.rawValue)
        XCTAssertEqual(
            Set(nice.values), [Self.targetNice], "\(failpoint): every thread at its own nice value: \(nice)")
        let state = try entries(program, original: original)
        XCTAssertTrue(state == .old || state == .new, "\(failpoint): never half: \(state)")
        XCTAssertEqual(state.description, expected.rawValue, "\(failpoint): left as expected")
        // Observed: three fresh ticks of work, every iteration agreeing, with the expected version.
        let seen = program.lines.count
        let version = state == .new ? 2 : 1
        let fresh = program.waitForLine(timeout: 10) { _ in
            let ticks = program.lines.dropFirst(seen).compactMap(FaultFixture.Tick.init)
            return ticks.count >= 3
        }
        let ticks = program.lines.dropFirst(seen).compactMap(FaultFixture.Tick.init)
        XCTAssertNotNil(fresh, "\(failpoint): the target keeps producing output")
        let mixed = ticks.map(\.mixed).reduce(0, +)
        XCTAssertEqual(mixed, 0, "\(failpoint): no iteration saw one function new and the other old")
        XCTAssertTrue(
            ticks.dropFirst().allSatisfy { $0.iterations > 0 && $0.f == version && $0.g == version },
            "\(failpoint): runs version \(version): \(ticks)")
        // Status tells the same.
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: self.state)
        let patches = status.report?.processes.first?.patches ?? []
        if state == .new {
            XCTAssertEqual(
                patches.map(\.state), [.active], "\(failpoint): status says active\n\(status.output)")
        } else {
            XCTAssertTrue(
                patches.allSatisfy { $0.state == .inactive },
                "\(failpoint): status says not in force\n\(status.output)")
        }
        let journal = (try? String(contentsOfFile: self.state + "/journal.log", encoding: .utf8)) ?? ""
        let repair = journal.split(separator: "\n").last { $0.contains("event=guard-repair") }
        let result = repair.flatMap { $0.split(separator: " ").last { $0.hasPrefix("result=") } } ?? "-"
        XCTAssertEqual(
            result == "-" ? "-" : String(result.dropFirst("result=".count)), step.guardian,
            "\(failpoint): what the guardian did\n\(journal)")
        try? FileManager.default.removeItem(atPath: self.state + "/journal.log")
        return "| \(failpoint) | agent SIGKILL | target alive | \(state) | mixed \(mixed) | status "
            + "\(patches.map(\.state.rawValue)) | guardian \(result) |"
    }

    /// A plain revert brings the target back to the original bytes with no patch memory left.
    private func cleanUp(_ program: TargetProgram, original: [[UInt8]], failpoint: String) throws {
        let revert = try AgentBinary.run(
            ["revert", "--id", "fg-fix", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertTrue(
            [0, AgentExitCode.noTarget.rawValue].contains(revert.status),
            "\(failpoint): cleanup\n\(revert.output)")
        XCTAssertEqual(try entries(program, original: original), .old, "\(failpoint): reverted")
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [], "\(failpoint): no patch memory left")
    }
}
