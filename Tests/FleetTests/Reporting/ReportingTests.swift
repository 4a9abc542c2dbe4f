import Foundation
import Shared
import Synchronization
import XCTest

@testable import Fleet

/// The same events rendered for people and for programs.
final class ReportingTests: XCTestCase {
    typealias R = JournalTestRecords

    /// A rollout whose canary passes and whose wave 2 has a failure and an unreachable host,
    /// which breaks the budget and rolls back.
    private var haltedRollout: [RolloutEvent] {
        [
            .started(R.start()), .waveStarted(WaveStart(wave: 1, hosts: ["a"])), R.intent("a", wave: 1),
            R.patched("a", wave: 1), .checked(CheckRound(wave: 1, round: 1, checked: 1, failures: [])),
            .waveFinished(WaveEnd(wave: 1, totals: RolloutTotals(hosts: 3, patched: 1))),
            .waveStarted(WaveStart(wave: 2, hosts: ["b", "c"])), R.intent("b", wave: 2),
            R.failed("b", wave: 2, "no-safe-point: pid 100: thread 7 stays in is_even\nretry later"),
            R.unreachable("c", wave: 2),
            .halted(
                RolloutHalt(
                    wave: 2, reason: "1 hosts failed, more than the 0 the failure budget allows",
                    rollingBack: true)),
            .revertIntent(HostStep(host: "a", wave: 1)),
            .reverted(
                HostReverted(host: "a", wave: 1, outcome: RevertOutcome(status: .reverted, processes: 1))),
            .finished(
                RolloutEnd(
                    result: .haltedRolledBack,
                    totals: RolloutTotals(hosts: 3, patched: 1, failed: 1, unreachable: 1, reverted: 1))),
        ]
    }

    func testHumanReporterInALogPrintsWavesFailuresHaltAndASummaryTable() {
        let (reporter, text) = Self.capture(isTerminal: false) { HumanReporter(output: $0) }
        for record in R.records(haltedRollout) { reporter.report(record) }
        let expected = """
            20261125T140000Z-abcdef: rolling out patch parity-fix to 3 hosts in 2 waves (1,2); if interrupted: hotpatch resume 20261125T140000Z-abcdef
            wave 1/2: 1 hosts
            wave 1 done: 3 hosts, 1 patched, 0 failed, 0 unreachable
            wave 2/2: 2 hosts
              b: failed: no-safe-point: pid 100: thread 7 stays in is_even | retry later
              c: unreachable: b (root@127.0.2.2:22): connect: refused
            HALTED in wave 2: 1 hosts failed, more than the 0 the failure budget allows; reverting every host this rollout patched, newest wave first
            HOST  WAVE  RESULT       PROCS  REVERT    DETAIL
            a     1     patched      1      reverted
            b     2     failed       0      -         no-safe-point: pid 100: thread 7 stays in is_even | retry later
            c     2     unreachable  0      -         b (root@127.0.2.2:22): connect: refused
            3 hosts, 1 patched, 1 failed, 1 unreachable, 1 reverted
            rollout 20261125T140000Z-abcdef HALTED and rolled back: no host keeps the patch from this rollout

            """
        XCTAssertEqual(text(), expected)
    }

    func testHumanReporterOnATerminalRewritesOneProgressLine() {
        let (reporter, text) = Self.capture(isTerminal: true) { HumanReporter(output: $0) }
        let records = R.records(Array(haltedRollout.prefix(9)))
        for record in records { reporter.report(record) }
        let output = text()
        // The last thing on screen is the live line for wave 2: b done and failed, 8 s in.
        let lastLine = output.components(separatedBy: "\r\u{1B}[K").last
        XCTAssertEqual(lastLine, "[wave 2/2 applying] 1/2 done, 1 failed, 0 unreachable  8s")
        // Failures are printed as permanent lines above it.
        XCTAssertTrue(output.contains("  b: failed: no-safe-point"))
        XCTAssertFalse(
            output.contains("wave 1 done"), "per-wave lines are for logs; the terminal has the live line")
    }

    func testJSONLinesAreTheJournalRecordsOnePerLineWithFlatFields() throws {
        let (reporter, text) = Self.capture(isTerminal: false) { JSONLinesReporter(output: $0) }
        let records = R.records(haltedRollout)
        for record in records { reporter.report(record) }
        let lines = text().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, records.count)
        let failed = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(lines[8].utf8)) as? [String: Any])
        XCTAssertEqual(failed["event"] as? String, "applied")
        XCTAssertEqual(failed["host"] as? String, "b")
        XCTAssertEqual(failed["rollout"] as? String, R.rollout.rawValue)
        XCTAssertEqual((failed["outcome"] as? [String: Any])?["status"] as? String, "failed")
        XCTAssertEqual(failed["time"] as? String, "2025-11-25T14:00:08Z")
        let decoder = RolloutRecord.makeDecoder()
        XCTAssertEqual(try lines.map { try decoder.decode(RolloutRecord.self, from: Data($0.utf8)) }, records)
    }

    func testExitCodesFollowTheResult() {
        let table: [(RolloutResult, Int32)] = [
            (.succeeded, 0), (.completedWithFailures, 6), (.haltedRolledBack, 3), (.haltedWithoutRollback, 4),
            (.haltedRollbackIncomplete, 5), (.rolledBack, 0),
        ]
        for (result, code) in table { XCTAssertEqual(result.exitCode.rawValue, code, "\(result)") }
    }

    func testTextTableAlignsColumnsAndKeepsEachErrorOnOneLine() {
        XCTAssertEqual(SummaryTable.oneLine("a\n  b\r\n\tc  "), "a | b | c")
        XCTAssertEqual(TextTable.render([["H", "X"], ["long", "1"]]), "H     X\nlong  1\n")
    }

    /// A reporter writing into a buffer.
    static func capture<Reporter>(isTerminal: Bool, _ make: (TextOutput) -> Reporter) -> (
        Reporter, () -> String
    ) {
        let buffer = Buffer()
        let reporter = make(TextOutput(write: { buffer.append($0) }, isTerminal: isTerminal))
        return (reporter, { buffer.text })
    }

    private final class Buffer: Sendable {
        private let storage = Mutex("")
        func append(_ text: String) { storage.withLock { $0 += text } }
        var text: String { storage.withLock { $0 } }
    }
}
