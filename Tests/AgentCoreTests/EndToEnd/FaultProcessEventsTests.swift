import Foundation
import Shared
import TestSupport
import XCTest

/// The target exiting, exec'ing or forking while the agent applies: a clear report, never a
/// corrupted process, and every child fully patched or fully unpatched.
final class FaultProcessEventsTests: XCTestCase {
    private var fixture: CFixture!
    private var state: String!
    private var target: String!
    private var patch: String!
    private var offsets: [UInt64] = []

    override func setUpWithError() throws {
        let built = try FaultFixture.Workspace("agent-fault-events")
        (fixture, state, target, patch, offsets) =
            (built.fixture, built.state, built.target, built.patch, built.offsets)
    }

    override func tearDown() { fixture.remove() }

    /// The agent is held (failpoint `,stop`) after filling the patch memory; the target is
    /// killed; the agent, continued, reports process-exited (exit 9).
    func testTargetExitingDuringApplyIsReportedAsExited() throws {
        let program = try TargetProgram(target)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0.hasPrefix("tick") })
        let agent = try heldAgent(failpoint: "apply.after-fill,stop", pid: program.pid)
        kill(program.pid.rawValue, SIGKILL)
        let run = finish(agent)
        XCTAssertEqual(run.status, AgentExitCode.processExited.rawValue, run.output)
        let message = run.report?.processes.first?.error?.message ?? ""
        XCTAssertTrue(message.contains("exited"), message)
    }

    /// The agent is held after mapping the patch memory; the target execs itself; the agent
    /// reports the exec (exit 9) and the new image is untouched: original bytes, no patch memory,
    /// running the old version.
    func testTargetExecingDuringApplyLeavesTheNewImageUntouched() throws {
        let program = try TargetProgram(target)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0.hasPrefix("tick") })
        let original = try entryBytes(program.pid)
        let agent = try heldAgent(failpoint: "apply.after-protect,stop", pid: program.pid)
        kill(program.pid.rawValue, SIGUSR1)  // the program execs itself as `execd`
        // Let the exec finish before the agent goes on (it holds one thread; exec kills it).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !ProcessMemoryMaps.isExecd(program.pid) {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let run = finish(agent)
        XCTAssertEqual(run.status, AgentExitCode.processExited.rawValue, run.output)
        let message = run.report?.processes.first?.error?.message ?? ""
        XCTAssertTrue(message.contains("exec'd") && message.contains("not touched"), message)
        XCTAssertNotNil(program.waitForLine(timeout: 10) { $0.hasSuffix("execd") && $0.contains("f=1 g=1") })
        XCTAssertEqual(try entryBytes(program.pid), original, "the new image holds the original bytes")
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [], status.output)
    }

    /// A target forking a child every 100 ms: a clean apply, then an apply killed between its
    /// two writes. Every child is fully patched or fully unpatched, `status --all` agrees with
    /// the child's bytes, and no child ever saw the two functions disagree.
    func testChildrenForkedDuringApplyAreWholeAndStatusIsTruthful() throws {
        let program = try TargetProgram(target, ["fork"])
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0.hasPrefix("tick 4 ") })
        let original = try entryBytes(program.pid)

        let applied = try FaultFixture.run(
            ["apply", patch, "--pid", "\(program.pid)"], failpoint: nil, state: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        try checkChildren(of: program.pid, original: original, label: "after a clean apply")
        let reverted = try AgentBinary.run(
            ["revert", "--id", "fg-fix", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)

        let killed = try FaultFixture.run(
            ["apply", patch, "--pid", "\(program.pid)"], failpoint: "apply.between-writes", state: state)
        XCTAssertEqual(killed.status, 128 + SIGKILL, killed.output)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !FaultFixture.agentProcesses().isEmpty {
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertEqual(try entryBytes(program.pid), original, "the parent is rolled back whole")
        try checkChildren(of: program.pid, original: original, label: "after a killed apply")
        XCTAssertFalse(
            program.lines.contains { $0.hasPrefix("child-mixed") }, "no child saw f and g disagree")
    }

    /// The agent held between its two writes (the net armed), its guardian killed, then the
    /// agent killed: the target is left group-stopped, half written, running none of its own
    /// code. The next command (status) says so loudly and repairs it: whole, unpatched, running.
    func testAgentAndGuardianBothKilledMidCommitAreRepairedByTheNextCommand() throws {
        let program = try TargetProgram(target)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0.hasPrefix("tick") })
        let original = try entryBytes(program.pid)
        let agent = try heldAgent(failpoint: "apply.between-writes,stop", pid: program.pid)
        let guardians = FaultFixture.agentProcesses().filter { $0 != agent.pid }
        XCTAssertEqual(guardians.count, 1, "one guardian")
        for guardian in guardians { kill(guardian, SIGKILL) }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && FaultFixture.agentProcesses() != [agent.pid] {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(agent.pid, SIGKILL)
        XCTAssertEqual(Subprocess.wait(agent.pid), 128 + SIGKILL)
        while Date() < deadline && ThreadStates.of(program.pid.rawValue).contains(where: { $0 != "T" }) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertTrue(
            ThreadStates.of(program.pid.rawValue).allSatisfy { $0 == "T" }, "the net stopped the target")
        let torn = try entryBytes(program.pid)
        XCTAssertTrue(torn[0] != original[0] && torn[1] == original[1], "half written: \(torn)")

        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        let message = status.report?.processes.first?.error?.message ?? ""
        XCTAssertTrue(message.hasPrefix("REPAIRED") && message.contains("half written"), status.output)
        XCTAssertEqual(status.status, AgentExitCode.failed.rawValue, "status fails loudly")
        XCTAssertEqual(try entryBytes(program.pid), original, "whole again: unpatched")
        let seen = program.lines.count
        XCTAssertNotNil(
            program.waitForLine(timeout: 10) { _ in
                program.lines.dropFirst(seen).compactMap(FaultFixture.Tick.init).count >= 3
            },
            "the target runs again")
        let ticks = program.lines.dropFirst(seen).compactMap(FaultFixture.Tick.init)
        XCTAssertTrue(ticks.allSatisfy { $0.mixed == 0 && $0.f == 1 && $0.g == 1 }, "\(ticks)")
        let applied = try AgentBinary.run(["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(applied.report?.processes.first?.patches.map(\.state), [.active], applied.output)
    }

    // MARK: helpers

    private func checkChildren(of parent: Pid, original: [[UInt8]], label: String) throws {
        Thread.sleep(forTimeInterval: 0.3)  // a few more children, forked after the agent finished
        // Children listed before the status run (later ones cannot be in its report).
        let children = ProcessMemoryMaps.children(of: parent)
        let status = try AgentBinary.run(["status", "--all"], stateDirectory: state)
        XCTAssertFalse(children.isEmpty, "\(label): the target forked children")
        var checked = 0
        for child in children {
            guard let bytes = liveEntryBytes(child) else { continue }  // exited meanwhile
            let report = status.report?.processes.first { $0.pid == child }
            let patched =
                bytes.allSatisfy { $0.first == 0xe9 } && zip(bytes, original).allSatisfy { $0 != $1 }
            XCTAssertTrue(patched || bytes == original, "\(label): child \(child) is whole: \(bytes)")
            let states = report?.patches.map(\.state) ?? []
            if patched {
                XCTAssertEqual(states, [.active], "\(label): status --all says child \(child) is patched")
            } else {
                XCTAssertFalse(
                    states.contains(.active), "\(label): status --all says child \(child) is not patched")
                XCTAssertFalse(states.contains(.drifted), "\(label): child \(child)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, label)
    }

    /// The entry bytes of a process that may have exited (nil then, without failing the test).
    private func liveEntryBytes(_ pid: Pid) -> [[UInt8]]? {
        guard let base = ProcessMemory.loadBase(pid, path: target) else { return nil }
        let bytes = offsets.compactMap { ProcessMemory.read(pid, base + $0, count: 5) }
        return bytes.count == offsets.count ? bytes : nil
    }

    private func entryBytes(_ pid: Pid) throws -> [[UInt8]] {
        let base = try XCTUnwrap(ProcessMemory.loadBase(pid, path: target))
        return try offsets.map { try XCTUnwrap(ProcessMemory.read(pid, base + $0, count: 5)) }
    }

    /// Starts the agent with a `,stop` failpoint and waits until it has stopped itself there.
    private func heldAgent(failpoint: String, pid: Pid) throws -> (pid: pid_t, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["HOTPATCH_AGENT_FAILPOINT"] = failpoint
        let output = fixture.path("agent-\(UUID().uuidString).out")
        let agent = try Subprocess.spawn(
            AgentBinary.path,
            ["apply", patch, "--pid", "\(pid)", "--max-pause", "2s", "--json", "--state-dir", state],
            stdout: output, stderr: output + ".err", environment: environment)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && ThreadStates.of(agent) != ["T"] { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(ThreadStates.of(agent), ["T"], "the agent stopped at \(failpoint)")
        return (agent, output)
    }

    private func finish(_ agent: (pid: pid_t, output: String)) -> AgentBinary.Run {
        kill(agent.pid, SIGCONT)
        let status = Subprocess.wait(agent.pid)
        let stdout = (try? String(contentsOfFile: agent.output, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: agent.output + ".err", encoding: .utf8)) ?? ""
        let line = stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try? JSONDecoder().decode(AgentReport.self, from: Data(line.utf8))
        return AgentBinary.Run(status: status, report: report, output: stdout + stderr)
    }
}

/// What /proc says about a process's image and children.
enum ProcessMemoryMaps {
    /// True once the process runs the `execd` image (its command line says so).
    static func isExecd(_ pid: Pid) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "execd" }
    }

    /// Live children of `parent` (field 4 of /proc/PID/stat).
    static func children(of parent: Pid) -> [Pid] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.compactMap { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", Int32(fields[2]) == parent.rawValue else { return nil }
            return Pid(pid)
        }
    }
}
