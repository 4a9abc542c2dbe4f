import Shared
import XCTest

@testable import Fleet

/// How the engine reads the agent's reports: apply, revert, and the built-in check.
final class RolloutAgentVerdictTests: XCTestCase {
    typealias R = JournalTestRecords

    private func report(_ code: AgentExitCode, _ processes: [ProcessReport], message: String? = nil)
        -> AgentReport
    {
        AgentReport(
            agentVersion: "0.1", host: "h", command: "apply", patchID: "parity-fix", exitCode: code,
            message: message,
            processes: processes)
    }

    private func process(
        _ pid: Int32, _ outcome: ProcessOutcome, start: UInt64 = 5, patch: PatchState? = nil,
        error: String? = nil
    ) -> ProcessReport {
        let patches =
            patch.map {
                [
                    PatchInProcess(
                        id: "parity-fix", contentHash: "ab12", address: RemoteAddress(0x1000), state: $0,
                        entries: [])
                ]
            } ?? []
        return ProcessReport(
            pid: Pid(pid), startTime: start, executable: "/usr/bin/parity", outcome: outcome,
            error: error.map { ProcessError(kind: .noSafePoint, message: $0) }, patches: patches)
    }

    func testApplyReportsBecomeOutcomes() {
        let cases: [(String, AgentReport, ApplyStatus, Int)] = [
            (
                "patched now", report(.success, [process(1, .applied), process(2, .alreadyApplied)]),
                .patched, 2
            ),
            ("already patched", report(.success, [process(1, .alreadyApplied)]), .alreadyPatched, 1),
            ("no target", report(.noTarget, [], message: "no process maps the build"), .noTarget, 0),
            ("mismatch", report(.targetMismatch, [], message: "build-id differs"), .failed, 0),
            (
                "partial keeps what was patched",
                report(.partial, [process(1, .applied), process(2, .failed, error: "tid 9 in is_even")]),
                .failed, 1
            ),
        ]
        for (name, agentReport, status, processes) in cases {
            let outcome = AgentVerdict.apply(agentReport)
            XCTAssertEqual(outcome.status, status, name)
            XCTAssertEqual(outcome.processes, processes, name)
        }
        let partial = AgentVerdict.apply(cases[4].1)
        XCTAssertEqual(partial.message, "partial: pid 2: tid 9 in is_even")
        XCTAssertEqual(partial.targets, [ProcessIdentity(pid: Pid(1), startTime: 5)])
    }

    func testRevertReportsBecomeOutcomes() {
        XCTAssertEqual(AgentVerdict.revert(report(.success, [process(1, .reverted)])).status, .reverted)
        XCTAssertEqual(AgentVerdict.revert(report(.success, [process(1, .notApplied)])).status, .notInPlace)
        XCTAssertEqual(AgentVerdict.revert(report(.noTarget, [])).status, .notInPlace)
        XCTAssertEqual(AgentVerdict.revert(report(.permission, [], message: "run as root")).status, .failed)
    }

    func testBuiltInCheckWantsTheSameProcessesWithThePatchActive() {
        let expected = [ProcessIdentity(pid: Pid(1), startTime: 5)]
        let cases: [(String, AgentReport, String?)] = [
            ("healthy", report(.success, [process(1, .inspected, patch: .active)]), nil),
            ("gone", report(.noTarget, []), "pid 1 no longer holds a patch (exited, or reverted by someone)"),
            (
                "restarted", report(.success, [process(1, .inspected, start: 9, patch: .active)]),
                "pid 1 restarted (start time 5 -> 9)"
            ),
            (
                "drifted", report(.success, [process(1, .inspected, patch: .drifted)]),
                "pid 1: patch parity-fix is drifted"
            ),
            (
                "other patch only", report(.success, [process(1, .inspected)]),
                "pid 1 no longer has patch parity-fix in place"
            ),
        ]
        for (name, agentReport, problem) in cases {
            XCTAssertEqual(AgentVerdict.check(agentReport, expected: expected, patch: R.patch), problem, name)
        }
    }
}
