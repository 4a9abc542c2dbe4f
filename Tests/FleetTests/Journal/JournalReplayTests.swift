import Foundation
import Shared
import XCTest

@testable import Fleet

/// Replaying a journal gives the state `resume` continues from: which waves are done, which
/// hosts are in doubt (intent without outcome), what a rollback must revert.
final class JournalReplayTests: XCTestCase {
    typealias R = JournalTestRecords

    struct Case {
        let name: String
        let events: [RolloutEvent]
        let nextWave: Int?
        let inDoubt: [String]
        let toRevert: [String]
        let patched: Int
        let failed: Int
        let unreachable: Int
    }

    /// A canary wave started on host `a`.
    private let wave1 = [RolloutEvent.started(R.start()), .waveStarted(WaveStart(wave: 1, hosts: ["a"]))]
    /// The canary wave patched `a` and finished.
    private var wave1Done: [RolloutEvent] {
        wave1 + [
            R.intent("a", wave: 1), R.patched("a", wave: 1),
            .waveFinished(WaveEnd(wave: 1, totals: RolloutTotals())),
        ]
    }

    func testReplayAfterAKillGivesResumeState() {
        let cases: [Case] = [
            Case(
                name: "only started", events: [.started(R.start())], nextWave: 1, inDoubt: [], toRevert: [],
                patched: 0, failed: 0, unreachable: 0),
            Case(
                name: "killed between intent and outcome", events: wave1 + [R.intent("a", wave: 1)],
                nextWave: 1,
                inDoubt: ["a"], toRevert: ["a"], patched: 0, failed: 0, unreachable: 0),
            Case(
                name: "killed after the canary's outcome, before its checks",
                events: wave1 + [R.intent("a", wave: 1), R.patched("a", wave: 1)],
                nextWave: 1, inDoubt: [], toRevert: ["a"], patched: 1, failed: 0, unreachable: 0),
            Case(
                name: "killed mid wave 2",
                events: wave1Done + [
                    .waveStarted(WaveStart(wave: 2, hosts: ["b", "c"])), R.intent("b", wave: 2),
                    R.patched("b", wave: 2), R.intent("c", wave: 2),
                ], nextWave: 2, inDoubt: ["c"], toRevert: ["b", "c", "a"], patched: 2, failed: 0,
                unreachable: 0),
        ]
        check(cases)
    }

    func testReplayCountsFailuresChecksAndReverts() {
        let cases: [Case] = [
            Case(
                name: "failures and unreachable are counted apart",
                events: wave1Done + [
                    .waveStarted(WaveStart(wave: 2, hosts: ["b", "c"])), R.intent("b", wave: 2),
                    R.failed("b", wave: 2, "no-safe-point: tid 7 in is_even"), R.unreachable("c", wave: 2),
                ], nextWave: 2, inDoubt: [], toRevert: ["a"], patched: 1, failed: 1, unreachable: 1),
            Case(
                name: "a failed check turns a patched host into a failed one",
                events: wave1 + [
                    R.intent("a", wave: 1), R.patched("a", wave: 1),
                    .checked(
                        CheckRound(
                            wave: 1, round: 1, checked: 1,
                            failures: [
                                HostFailure(host: "a", unreachable: false, message: "--check exited 1")
                            ])),
                ], nextWave: 1, inDoubt: [], toRevert: ["a"], patched: 0, failed: 1, unreachable: 0),
            Case(
                name: "a reverted host needs no more reverting",
                events: wave1Done + [
                    .halted(RolloutHalt(wave: 1, reason: "x", rollingBack: true)),
                    .revertIntent(HostStep(host: "a", wave: 1)),
                    .reverted(
                        HostReverted(
                            host: "a", wave: 1, outcome: RevertOutcome(status: .reverted, processes: 1))),
                ], nextWave: 2, inDoubt: [], toRevert: [], patched: 1, failed: 0, unreachable: 0),
            Case(
                name: "a host whose revert failed still needs reverting",
                events: wave1Done + [
                    .revertIntent(HostStep(host: "a", wave: 1)),
                    .reverted(HostReverted(host: "a", wave: 1, outcome: RevertOutcome(status: .unreachable))),
                ], nextWave: 2, inDoubt: [], toRevert: ["a"], patched: 1, failed: 0, unreachable: 0),
            Case(
                name: "a host that already had the patch is not this rollout's to revert",
                events: wave1 + [
                    R.intent("a", wave: 1),
                    .applied(
                        HostApplied(
                            host: "a", wave: 1, outcome: ApplyOutcome(status: .alreadyPatched, processes: 1))),
                ], nextWave: 1, inDoubt: [], toRevert: [], patched: 0, failed: 0, unreachable: 0),
            Case(
                name: "a partial apply is reverted too",
                events: wave1 + [
                    R.intent("a", wave: 1),
                    .applied(
                        HostApplied(
                            host: "a", wave: 1,
                            outcome: ApplyOutcome(status: .failed, processes: 1, message: "partial"))),
                ], nextWave: 1, inDoubt: [], toRevert: ["a"], patched: 0, failed: 1, unreachable: 0),
        ]
        check(cases)
    }

    /// Replays each case's journal and compares the resume state with the expected one.
    private func check(_ cases: [Case]) {
        for test in cases {
            let progress = RolloutProgress(replaying: R.records(test.events))
            XCTAssertEqual(progress.nextWave, test.nextWave, test.name)
            XCTAssertEqual(progress.applyInDoubt, test.inDoubt, test.name)
            XCTAssertEqual(progress.hostsToRevert, test.toRevert, test.name)
            XCTAssertEqual(progress.totals.patched, test.patched, test.name)
            XCTAssertEqual(progress.totals.failed, test.failed, test.name)
            XCTAssertEqual(progress.totals.unreachable, test.unreachable, test.name)
            XCTAssertEqual(progress.lastSequence, test.events.count, test.name)
        }
    }

    func testFinishedWavesAreNotRunAgain() {
        let events: [RolloutEvent] = [
            .started(R.start()), .waveStarted(WaveStart(wave: 1, hosts: ["a"])), R.intent("a", wave: 1),
            R.patched("a", wave: 1), .waveFinished(WaveEnd(wave: 1, totals: RolloutTotals())),
            .waveStarted(WaveStart(wave: 2, hosts: ["b", "c"])), R.intent("b", wave: 2),
            R.patched("b", wave: 2),
            R.intent("c", wave: 2), R.patched("c", wave: 2),
            .waveFinished(WaveEnd(wave: 2, totals: RolloutTotals())),
            .finished(RolloutEnd(result: .succeeded, totals: RolloutTotals())),
        ]
        let progress = RolloutProgress(replaying: R.records(events))
        XCTAssertNil(progress.nextWave)
        XCTAssertEqual(progress.end?.result, .succeeded)
        XCTAssertEqual(progress.tally(hosts: progress.orderedNames, kind: .rollout).succeeded, 3)
    }

    func testBudgetTallyOfARollbackRunCountsRevertOutcomes() {
        let events: [RolloutEvent] = [
            .started(R.start(kind: .rollback)), .waveStarted(WaveStart(wave: 1, hosts: ["a"])),
            .revertIntent(HostStep(host: "a", wave: 1)),
            .reverted(HostReverted(host: "a", wave: 1, outcome: RevertOutcome(status: .notInPlace))),
            .revertIntent(HostStep(host: "b", wave: 2)),
            .reverted(
                HostReverted(host: "b", wave: 2, outcome: RevertOutcome(status: .failed, message: "x"))),
        ]
        let tally = RolloutProgress(replaying: R.records(events)).tally(
            hosts: ["a", "b", "c"], kind: .rollback)
        XCTAssertEqual(tally, FailureTally(succeeded: 1, failed: 1, unreachable: 0))
    }
}
