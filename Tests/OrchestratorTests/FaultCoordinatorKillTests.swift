import Foundation
import TestSupport
import XCTest

/// The coordinator SIGKILLed mid-rollout at four points (while wave 2 connects and uploads,
/// right after it records the intent to start an agent, between waves, during the check soak),
/// then either `resume`d or rolled back by its id. The agents' own journals on the hosts are
/// the judge: after a resume every host was patched exactly once; after a rollback every host
/// runs unpatched and every patch that was applied was reverted. A second `resume` of a
/// rollout that one is already driving refuses. One 3-host lab for the class.
final class FaultCoordinatorKillTests: LabRolloutTestCase {
    override class var labName: String { "FaultCoordinatorKill" }
    override class var labHosts: Int { 3 }
    // Every test starts on unpatched services, whatever the previous test left.
    override class var restartsServicesBeforeEachTest: Bool { true }

    /// Where the coordinator dies, as the event it has just journaled and printed.
    private enum KillPoint: String, CaseIterable {
        /// Wave 2 started: the coordinator is connecting to and uploading to lab-host-2.
        case duringUpload
        /// lab-host-2's intent is on disk: its agent is starting or running.
        case agentStarted
        /// Wave 1 finished, wave 2 not started.
        case betweenWaves
        /// The first check round of the canary's soak is done, the soak goes on.
        case duringSoak

        func matches(_ event: [String: Any]) -> Bool {
            let name = event["event"] as? String
            let wave = event["wave"] as? Int
            switch self {
            case .duringUpload: return name == "waveStarted" && wave == 2
            case .agentStarted: return name == "applyIntent" && wave == 2
            case .betweenWaves: return name == "waveFinished" && wave == 1
            case .duringSoak: return name == "checked" && wave == 1
            }
        }
    }

    func testEveryKillPointThenResumePatchesEveryHostExactlyOnce() throws {
        let lab = try fleet()
        for point in KillPoint.allCases {
            try assertFleetClean(lab, "before \(point)")
            let before = lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "applied") }
            let rollout = try startAndKill(lab, at: point)

            let resumed = try RolloutFixture.run([
                "resume", rollout, "--journal-dir", work + "/journal", "--json",
            ])
            XCTAssertEqual(resumed.status, 0, "\(point): " + resumed.stdout + resumed.stderr)
            let events = try JSONLines(resumed.stdout)
            XCTAssertEqual(events.named("finished").first?["result"] as? String, "succeeded", "\(point)")
            for (index, host) in lab.hosts.enumerated() {
                XCTAssertEqual(
                    FaultLab.agentJournalCount(host, outcome: "applied") - before[index], 1,
                    "\(point): \(host) must be patched exactly once")
            }
            XCTAssertEqual(
                try FaultLab.patchesInPlace(lab).values.map { $0 ?? ["unreachable"] },
                Array(repeating: ["parity-fix"], count: lab.hosts.count), "\(point)")

            let undo = try RolloutFixture.run([
                "rollback", "--rollout", rollout, "--journal-dir", work + "/journal",
            ])
            XCTAssertEqual(undo.status, 0, "\(point): " + undo.stdout + undo.stderr)
        }
        try assertFleetClean(lab, "at the end")
    }

    func testEveryKillPointThenRollbackLeavesNoHostPatched() throws {
        let lab = try fleet()
        for point in KillPoint.allCases {
            try assertFleetClean(lab, "before \(point)")
            let applied = lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "applied") }
            let reverted = lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "reverted") }
            let rollout = try startAndKill(lab, at: point)

            let undo = try RolloutFixture.run(
                ["rollback", "--rollout", rollout, "--journal-dir", work + "/journal", "--json"])
            XCTAssertEqual(undo.status, 0, "\(point): " + undo.stdout + undo.stderr)
            XCTAssertEqual(
                try JSONLines(undo.stdout).named("finished").first?["result"] as? String, "rolledBack",
                "\(point)")
            for (index, host) in lab.hosts.enumerated() {
                let patchedNow = FaultLab.agentJournalCount(host, outcome: "applied") - applied[index]
                let revertedNow = FaultLab.agentJournalCount(host, outcome: "reverted") - reverted[index]
                XCTAssertLessThanOrEqual(patchedNow, 1, "\(point): \(host) patched more than once")
                XCTAssertEqual(
                    revertedNow, patchedNow,
                    "\(point): \(host) applied \(patchedNow), reverted \(revertedNow)")
            }
            try assertFleetClean(lab, "after rolling back from \(point)")
        }
    }

    func testASecondResumeOfARolloutBeingResumedRefusesAndTheFirstFinishes() throws {
        let lab = try fleet()
        try assertFleetClean(lab, "before")
        let before = lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "applied") }
        let rollout = try startAndKill(lab, at: .agentStarted)

        // The first resume soaks wave 2 for a while; the second one comes in meanwhile.
        let first = try FaultLab.Coordinator([
            "resume", rollout, "--journal-dir", work + "/journal", "--json",
        ])
        XCTAssertTrue(
            try first.read { $0["event"] as? String == "resumed" }, first.lines.joined(separator: "\n"))
        let second = try RolloutFixture.run(["resume", rollout, "--journal-dir", work + "/journal", "--json"])
        XCTAssertNotEqual(second.status, 0, second.stdout)
        XCTAssertTrue(
            second.stderr.contains("another hotpatch process is driving this rollout"), second.stderr)
        XCTAssertEqual(second.stdout, "", "the refused resume must not report any step")
        let rollback = try RolloutFixture.run([
            "rollback", "--rollout", rollout, "--journal-dir", work + "/journal",
        ])
        XCTAssertNotEqual(rollback.status, 0, "rollback of a rollout being resumed must wait its turn")

        XCTAssertEqual(try first.finish(), 0, first.lines.joined(separator: "\n"))
        for (index, host) in lab.hosts.enumerated() {
            XCTAssertEqual(FaultLab.agentJournalCount(host, outcome: "applied") - before[index], 1, "\(host)")
        }
        // Once the first is done the lock is free again.
        let undo = try RolloutFixture.run([
            "rollback", "--rollout", rollout, "--journal-dir", work + "/journal",
        ])
        XCTAssertEqual(undo.status, 0, undo.stdout + undo.stderr)
        try assertFleetClean(lab, "after")
    }

    func testTwoCoordinatorsRollingOutTheSamePatchAtOncePatchEachHostOnce() throws {
        let lab = try fleet()
        try assertFleetClean(lab, "before")
        for host in lab.hosts { try? FileManager.default.removeItem(atPath: FaultLab.uploadFolder(host)) }
        let before = lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "applied") }

        // Same patch, same hosts, all in one wave, each with its own journal, started together:
        // their uploads of the same files and their agents on each host overlap.
        let coordinators = try ["a", "b"].map { name in
            try FaultLab.Coordinator(
                ["rollout", patch, "--waves", "100%"]
                    + FaultLab.arguments(lab, journal: work + "/journal-" + name))
        }
        let statuses = try coordinators.map { try $0.finish() }
        XCTAssertEqual(
            statuses, [0, 0],
            coordinators.map { $0.lines.joined(separator: "\n") }.joined(separator: "\n--\n"))

        for (index, host) in lab.hosts.enumerated() {
            XCTAssertEqual(
                FaultLab.agentJournalCount(host, outcome: "applied") - before[index], 1,
                "\(host) must be patched exactly once")
            let outcomes = try coordinators.map { FaultLab.appliedStatus(try $0.events())[host.name] ?? "?" }
            XCTAssertEqual(outcomes.sorted(), ["alreadyPatched", "patched"], "\(host)")
            XCTAssertEqual(try FaultLab.filesNotMatchingTheirName(host), [], "\(host)")
        }
        let undo = try RolloutFixture.run(
            ["rollback", patch, "--waves", "100%"] + FaultLab.arguments(lab, journal: work + "/journal-undo"))
        XCTAssertEqual(undo.status, 0, undo.stdout + undo.stderr)
        try assertFleetClean(lab, "after")
    }

    // MARK: - Helpers

    /// Starts a rollout (canary, then the other two; one host at a time; a 2-round soak per
    /// wave) on a fleet whose upload folders are empty, SIGKILLs the coordinator at `point`,
    /// and returns the rollout id.
    private func startAndKill(_ lab: LabFleet, at point: KillPoint) throws -> String {
        for host in lab.hosts { try? FileManager.default.removeItem(atPath: FaultLab.uploadFolder(host)) }
        let coordinator = try FaultLab.Coordinator(
            ["rollout", patch, "--waves", "1,100%", "--forks", "1", "--soak", "2s", "--check-interval", "1s"]
                + FaultLab.arguments(lab, journal: work + "/journal"))
        let reached = try coordinator.read { point.matches($0) }
        XCTAssertTrue(reached, "\(point) never came: " + coordinator.lines.joined(separator: "\n"))
        coordinator.kill()
        XCTAssertEqual(coordinator.process.terminationReason, .uncaughtSignal, "\(point)")
        return try XCTUnwrap(coordinator.rollout, "\(point): no rollout id")
    }

    private func assertFleetClean(_ lab: LabFleet, _ when: String, line: UInt = #line) throws {
        let inPlace = try FaultLab.patchesInPlace(lab)
        XCTAssertEqual(inPlace.count, lab.hosts.count, when, line: line)
        for (host, patches) in inPlace { XCTAssertEqual(patches, [], "\(when): \(host)", line: line) }
        XCTAssertEqual(FaultLab.hostsWithDeadService(lab), [], "\(when): targets lost", line: line)
    }
}
