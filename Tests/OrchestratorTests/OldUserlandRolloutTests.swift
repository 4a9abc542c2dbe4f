import Foundation
import TestSupport
import XCTest

/// A mixed fleet: lab-host-1 on this machine's userland (Debian 12, glibc 2.36), lab-host-2 on
/// the cached Debian 11 root (glibc 2.31, OpenSSH 8.4: its sshd, shell, sha256sum and gzip are
/// the root's). Both run the parity service built in the Debian 11 root, so one patch fits
/// both; one rollout of the static release agent patches both and one rollback reverts both.
final class OldUserlandRolloutTests: XCTestCase {
    func testOneRolloutPatchesANewAndAnOldHostAndRollbackRevertsBoth() throws {
        try RolloutFixture.requireBinaries()
        let agent = try OldUserland.releaseAgent()
        let lab = try LabFleet.up(hosts: 2, name: "OldUserlandRolloutTests", threads: 2, oldUserlandHosts: 1)
        defer { try? lab.down(purge: true) }
        let work = NSTemporaryDirectory() + "OldUserlandRolloutTests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        try assertOneHostIsThisMachinesUserlandAndTheOtherDebian11(lab)

        // The patch, made as a user makes it, from the build every host runs.
        let build = lab.directory + "/old-parity/build"
        let patch = work + "/old-parity-fix.hotpatch"
        let created = try RolloutFixture.run([
            "create", "--target", build + "/parity-v1", "--object", build + "/classify_v2.o", "--id",
            "old-parity-fix", "-o", patch,
        ])
        XCTAssertEqual(created.status, 0, created.stdout + created.stderr)
        let fleet =
            [
                "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--journal-dir",
                work + "/journal",
                "--agent", agent,
            ] + RolloutFixture.relaxedPause
        let logs = lab.hosts.map { ParityLog(path: $0.parityLogPath) }
        for (host, log) in zip(lab.hosts, logs) {
            _ = try log.waitForLine(timeout: .seconds(60), description: "\(host.name) misclassifying") {
                $0.misclassifiedDelta > 0
            }
        }

        let rollout = try RolloutFixture.run(["rollout", patch, "--waves", "100%", "--json"] + fleet)
        XCTAssertEqual(rollout.status, 0, rollout.stdout + rollout.stderr)
        let applied = try JSONLines(rollout.stdout).named("applied")
        XCTAssertEqual(Set(applied.compactMap { $0["host"] as? String }), ["lab-host-1", "lab-host-2"])
        XCTAssertEqual(
            applied.map { ($0["outcome"] as? [String: Any])?["status"] as? String }, ["patched", "patched"],
            rollout.stdout)
        for (host, log) in zip(lab.hosts, logs) {
            let seen = try log.lines().count
            let fixed = try log.waitForLine(
                skipping: seen + 1, timeout: .seconds(60), description: "\(host.name) fixed")
            XCTAssertEqual(fixed.misclassifiedDelta, 0, "\(host.name): \(log.tail())")
        }

        let rollback = try RolloutFixture.run(["rollback", patch, "--waves", "100%"] + fleet)
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        for (host, log) in zip(lab.hosts, logs) {
            let seen = try log.lines().count
            _ = try log.waitForLine(
                skipping: seen + 1, timeout: .seconds(60), description: "\(host.name) buggy again"
            ) {
                $0.misclassifiedDelta > 0
            }
        }
    }

    /// Which userland each host's sessions see.
    private func assertOneHostIsThisMachinesUserlandAndTheOtherDebian11(_ lab: LabFleet) throws {
        let releases = try lab.hosts.map { host in
            try lab.run("cat /etc/debian_version; ldd --version | head -n 1", on: host).stdout
        }
        XCTAssertFalse(releases[0].hasPrefix("11."), "lab-host-1 is this machine's userland: \(releases[0])")
        XCTAssertTrue(releases[1].hasPrefix("11."), "lab-host-2 is Debian 11: \(releases[1])")
        XCTAssertTrue(releases[1].contains("2.31"), "lab-host-2 has glibc 2.31: \(releases[1])")
    }
}
