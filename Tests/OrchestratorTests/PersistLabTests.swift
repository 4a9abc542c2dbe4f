import Foundation
import Shared
import TestSupport
import XCTest

/// `rollout --persist` for real: two lab hosts, each with its own copy of the parity build
/// folder (so the install touches that host only), the buggy parity-v1 service, the real
/// coordinator and agents. The fix must survive a restart of the service, and a rollback must
/// bring the old build back for the next restart.
final class PersistLabTests: LabRolloutTestCase {
    override class var labName: String { "PersistLabTests" }
    override class var labHosts: Int { 2 }
    override class var labPrivateService: Bool { true }

    /// One host of `hotpatch status --json`, decoded with the shared report types.
    private struct StatusHost: Decodable {
        struct Process: Decodable {
            struct Patch: Decodable { let id: String }
            let pid: Int32
            let patches: [Patch]
        }
        let host: String
        let reachable: Bool
        let patchedProcesses: [Process]
        let targetProcesses: [Process]?
        let filesOnDisk: [DiskFileReport]?
        let onDisk: [String: String]?
    }

    /// `hotpatch ARGS -i lab --known-hosts lab (--journal-dir work)`.
    private func hotpatch(_ command: String, _ arguments: [String], lab: LabFleet) throws -> ProgramResult {
        try RolloutFixture.run(
            [command] + arguments + ["-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath]
                + (["rollout", "rollback"].contains(command)
                    ? ["--journal-dir", work + "/journal"] + RolloutFixture.relaxedPause : []))
    }

    private func status(_ lab: LabFleet) throws -> [String: StatusHost] {
        let result = try hotpatch("status", [patch, "--json"], lab: lab)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let hosts = try result.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(StatusHost.self, from: Data($0.utf8))
        }
        return Dictionary(uniqueKeysWithValues: hosts.map { ($0.host, $0) })
    }

    private func buildID(_ path: String) throws -> String {
        try XCTUnwrap(try ELFFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))).buildID())
            .hex
    }

    /// Restarts `host`'s service and returns the first line its new process prints.
    private func restart(_ host: LabHost, lab: LabFleet) throws -> (pid: Int32, line: ParityLine) {
        let log = ParityLog(path: host.parityLogPath)
        let before = try log.lines().count
        try lab.restartService(of: host)
        let pid = try XCTUnwrap(lab.servicePidInHost(host), "service.pid after the restart")
        let line = try log.waitForLine(
            skipping: before, timeout: .seconds(30), description: "a line of pid \(pid)"
        ) {
            $0.pid.rawValue == pid
        }
        return (pid, line)
    }

    func testAPersistedFixSurvivesARestartAndRollbackBringsTheOldBuildBack() throws {
        let lab = try fleet()
        let build = RepositoryPaths.path("examples/parity/build")
        let (target, fixed) = (build + "/parity-v1", build + "/parity-v2")
        let (oldID, fixedID) = (try buildID(target), try buildID(fixed))
        let (first, second) = (lab.hosts[0], lab.hosts[1])

        // Roll out with --persist: live patch, then the fixed build on each host's disk.
        let rollout = try hotpatch("rollout", [patch, "--persist", fixed, "--json"], lab: lab)
        XCTAssertEqual(rollout.status, 0, rollout.stdout + rollout.stderr)
        XCTAssertTrue(
            rollout.stderr.contains("the patch's target is parity-v1"), "name warning: " + rollout.stderr)
        let applied = try JSONLines(rollout.stdout).named("applied")
        XCTAssertEqual(applied.count, 2)
        for event in applied {
            let files = (event["outcome"] as? [String: Any])?["files"] as? [[String: Any]]
            XCTAssertEqual(files?.map { $0["action"] as? String }, ["installed"], "\(event)")
            XCTAssertEqual(files?.first?["buildID"] as? String, fixedID, "\(event)")
            XCTAssertEqual(files?.first?["path"] as? String, target, "\(event)")
        }
        var fleet = try status(lab)
        for host in lab.hosts {
            XCTAssertEqual(fleet[host.name]?.patchedProcesses.count, 1, "\(host) runs the live patch")
            XCTAssertEqual(fleet[host.name]?.onDisk?[target], "fixed build", "\(host)")
            XCTAssertEqual(fleet[host.name]?.filesOnDisk?.first?.buildID, fixedID)
        }
        XCTAssertTrue(
            try hotpatch("status", [patch], lab: lab).stdout.contains("fixed build \(fixedID.prefix(12))"))

        try assertARestartRunsTheFixedBuildUnpatched(first, lab: lab, target: target, fixedID: fixedID)

        // Rollback: the live patch out of host 2's process, the old build back on both disks.
        let rollback = try hotpatch("rollback", [patch, "--json"], lab: lab)
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        let reverted = try JSONLines(rollback.stdout).named("reverted")
        for event in reverted {
            let files = (event["outcome"] as? [String: Any])?["files"] as? [[String: Any]]
            XCTAssertEqual(files?.map { $0["action"] as? String }, ["restored"], "\(event)")
        }
        fleet = try status(lab)
        for host in lab.hosts {
            XCTAssertEqual(fleet[host.name]?.onDisk?[target], "old build", "\(host)")
            XCTAssertEqual(fleet[host.name]?.filesOnDisk?.first?.buildID, oldID)
        }
        XCTAssertEqual(fleet[second.name]?.patchedProcesses.count, 0, "host 2 unpatched")

        // The next restart runs the old build again, bug included.
        let again = try restart(first, lab: lab)
        XCTAssertEqual(again.line.buildID?.hex, oldID, "the restarted service is the old build")
        let buggy = try ParityLog(path: first.parityLogPath).waitForLine(
            skipping: 0, timeout: .seconds(30), description: "a misclassification by the old build"
        ) { $0.pid.rawValue == again.pid && $0.misclassified > 0 }
        XCTAssertGreaterThan(buggy.misclassified, 0)
    }

    /// A restart runs the fixed build from disk, unpatched, and classifies right.
    private func assertARestartRunsTheFixedBuildUnpatched(
        _ first: LabHost, lab: LabFleet, target: String, fixedID: String
    ) throws {
        let restarted = try restart(first, lab: lab)
        XCTAssertEqual(restarted.line.buildID?.hex, fixedID, "the restarted service is the fixed build")
        let settled = try ParityLog(path: first.parityLogPath).waitForLine(
            skipping: try ParityLog(path: first.parityLogPath).lines().count, timeout: .seconds(30)
        ) { $0.pid.rawValue == restarted.pid && $0.total > 0 }
        XCTAssertEqual(settled.misclassified, 0, "the fixed build classifies right without a patch")
        let fleet = try status(lab)
        let running = fleet[first.name]?.targetProcesses?.first { $0.pid == restarted.pid }
        XCTAssertEqual(running?.patches.map(\.id), [], "the restarted service holds no patch")
        XCTAssertFalse(fleet[first.name]?.patchedProcesses.contains { $0.pid == restarted.pid } ?? true)
        XCTAssertEqual(fleet[first.name]?.onDisk?[target], "fixed build")
    }

    func testAnotherBuildOnOneHostsDiskIsLeftThereAndRollbackRestoresOnlyWhereItInstalled() throws {
        let lab = try fleet()
        let build = RepositoryPaths.path("examples/parity/build")
        let (target, fixed) = (build + "/parity-v1", build + "/parity-v2")
        let (first, second) = (lab.hosts[0], lab.hosts[1])
        // Someone deployed another build on host 2 after its service started (renamed into place,
        // as package managers do): the patched process still runs the old one.
        let private2 = second.directory + "/parity-build/parity-v1"
        try FileManager.default.copyItem(atPath: build + "/parity-lib", toPath: private2 + ".new")
        XCTAssertEqual(rename(private2 + ".new", private2), 0)
        let otherID = try buildID(private2)
        defer {
            // Leave host 2 as the class found it for the next test.
            try? FileManager.default.removeItem(atPath: private2)
            try? FileManager.default.copyItem(atPath: target, toPath: private2)
        }

        let rollout = try hotpatch("rollout", [patch, "--persist", fixed, "--json"], lab: lab)
        XCTAssertEqual(
            rollout.status, 6, "finished, host 2 not fixed on disk: " + rollout.stdout + rollout.stderr)
        let events = try JSONLines(rollout.stdout)
        let applied = Dictionary(
            uniqueKeysWithValues: events.named("applied").map {
                ($0["host"] as? String ?? "", $0["outcome"] as? [String: Any] ?? [:])
            })
        XCTAssertEqual(applied[first.name]?["status"] as? String, "patched")
        XCTAssertEqual(applied[second.name]?["status"] as? String, "patched", "the live patch stays")
        let refused = (applied[second.name]?["files"] as? [[String: Any]])?.first
        XCTAssertEqual(refused?["action"] as? String, "refused")
        XCTAssertTrue(
            (refused?["message"] as? String)?.contains("neither the build the patch targets") == true)
        let rolloutID = try XCTUnwrap(events.all.first?["rollout"] as? String)

        var fleet = try status(lab)
        XCTAssertEqual(fleet[first.name]?.onDisk?[target], "fixed build")
        XCTAssertEqual(fleet[second.name]?.onDisk?[target], "neither")
        XCTAssertEqual(fleet[second.name]?.filesOnDisk?.first?.buildID, otherID)

        // Undo exactly that rollout: host 1 gets its old build back, host 2 keeps the other build.
        let rollback = try RolloutFixture.run(
            ["rollback", "--rollout", rolloutID, "--journal-dir", work + "/journal", "--json"])
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        fleet = try status(lab)
        XCTAssertEqual(fleet[first.name]?.onDisk?[target], "old build")
        XCTAssertEqual(fleet[second.name]?.onDisk?[target], "neither")
        for host in lab.hosts {
            XCTAssertEqual(fleet[host.name]?.patchedProcesses.count, 0, "\(host) unpatched")
        }
    }

    /// The coordinator SIGKILLed once host 2's apply is under way: `resume` finishes with the
    /// fixed build on every disk (a host whose agent had finished is asked, and its install
    /// completed or confirmed), and `rollback --rollout` puts the old build back everywhere.
    func testAResumedPersistedRolloutInstallsEverywhereAndItsRollbackRestoresEverywhere() throws {
        let lab = try fleet()
        let build = RepositoryPaths.path("examples/parity/build")
        let (target, fixed) = (build + "/parity-v1", build + "/parity-v2")
        let coordinator = try FaultLab.Coordinator(
            ["rollout", patch, "--persist", fixed, "--waves", "1,100%", "--forks", "1"]
                + FaultLab.arguments(lab, journal: work + "/journal"))
        let reached = try coordinator.read {
            $0["event"] as? String == "applyIntent" && $0["wave"] as? Int == 2
        }
        XCTAssertTrue(reached, "host 2's apply never started: " + coordinator.lines.joined(separator: "\n"))
        coordinator.kill()
        let rollout = try XCTUnwrap(coordinator.rollout)

        let resumed = try RolloutFixture.run([
            "resume", rollout, "--journal-dir", work + "/journal", "--json",
        ])
        XCTAssertEqual(resumed.status, 0, resumed.stdout + resumed.stderr)
        // Host 2's outcome, learned by asking it (its agent had finished) or by applying now,
        // names its file either way.
        let host2 = try JSONLines(resumed.stdout).named("applied").first {
            $0["host"] as? String == "lab-host-2"
        }
        let files = (host2?["outcome"] as? [String: Any])?["files"] as? [[String: Any]]
        XCTAssertTrue(
            ["installed", "already-installed"].contains(files?.first?["action"] as? String ?? ""),
            resumed.stdout)
        var fleet = try status(lab)
        for host in lab.hosts {
            XCTAssertEqual(fleet[host.name]?.onDisk?[target], "fixed build", "\(host) after resume")
            XCTAssertEqual(fleet[host.name]?.patchedProcesses.count, 1, "\(host) patched once")
        }

        let undo = try RolloutFixture.run([
            "rollback", "--rollout", rollout, "--journal-dir", work + "/journal",
        ])
        XCTAssertEqual(undo.status, 0, undo.stdout + undo.stderr)
        fleet = try status(lab)
        for host in lab.hosts {
            XCTAssertEqual(fleet[host.name]?.onDisk?[target], "old build", "\(host) after rollback")
            XCTAssertEqual(fleet[host.name]?.patchedProcesses.count, 0, "\(host) unpatched")
        }
    }
}
