import Foundation
import TestSupport
import XCTest

/// One host breaks while the others are rolled out: its sshd dies mid-upload, its upload
/// folder is full, or it stops answering for longer than the per-host timeout. The broken host
/// is reported for what happened to it, by name; nothing half-written is left where it could
/// run; the other hosts are patched; and once the host is mended, it is patched too (or, for
/// the slow host, `status` says exactly what its agent did). One 3-host lab for the class;
/// every test leaves it unpatched and mended.
final class FaultHostTests: LabRolloutTestCase {
    override class var labName: String { "FaultHost" }
    override class var labHosts: Int { 3 }
    // A test whose rollback in tearDown failed (a host still slow or refusing) once left
    // lab-host-3 patched for the next test, which then saw `alreadyPatched`.
    override class var restartsServicesBeforeEachTest: Bool { true }

    override func tearDownWithError() throws {
        if let lab = labIfUp {
            XCTAssertEqual(FaultLab.hostsWithDeadService(lab), [], "targets lost")
            _ = try? RolloutFixture.run(
                ["rollback", patch, "--waves", "100%"] + FaultLab.arguments(lab, journal: work + "/journal"))
        }
        try super.tearDownWithError()
    }

    private func rollout(_ lab: LabFleet, _ extra: [String]) throws -> FaultLab.Coordinator {
        try FaultLab.Coordinator(
            ["rollout", patch, "--waves", "100%", "--max-failed", "1"] + extra
                + FaultLab.arguments(lab, journal: work + "/journal"))
    }

    /// lab-host-2's SFTP server passes the first 256 kB of the upload, then holds the rest:
    /// the upload is certainly in flight when its sshd (listener and session) is killed.
    func testSSHDKilledMidUploadIsUnreachableLeavesNoHalfAgentAndTheNextRolloutPatchesIt() throws {
        let lab = try fleet()
        let victim = lab.hosts[1]
        for host in lab.hosts { try? FileManager.default.removeItem(atPath: FaultLab.uploadFolder(host)) }
        let appliedBefore = FaultLab.agentJournalCount(victim, outcome: "applied")
        let config = victim.directory + "/sshd_config"
        let original = try String(contentsOfFile: config, encoding: .utf8)
        try installStallingSFTP(on: victim, lab: lab, stallAfter: 256 << 10)
        defer {
            try? original.write(toFile: config, atomically: true, encoding: .utf8)
            FaultLab.signalSSHD(lab, victim, SIGKILL, also: ["python3"])
            try? FaultLab.startSSHD(lab, victim)
        }

        let coordinator = try rollout(lab, [])
        let marker = victim.privateRoot + "/sftp-stalled"
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: marker) { usleep(50_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the upload to \(victim) never started")
        let parts = try partFiles(victim)
        XCTAssertEqual(parts.count, 1, "one upload in flight: \(parts)")
        let agentSize = try XCTUnwrap(
            FileManager.default.attributesOfItem(atPath: RolloutFixture.agent)[.size] as? Int)
        for part in parts {
            XCTAssertLessThan(part.size, agentSize, "\(part.name) is still being written")
        }
        XCTAssertGreaterThan(FaultLab.signalSSHD(lab, victim, SIGKILL, also: ["python3"]), 1)
        let status = try coordinator.finish()

        let events = try coordinator.events()
        XCTAssertEqual(
            status, 6, "completed, one host unreachable: " + coordinator.lines.joined(separator: "\n"))
        XCTAssertEqual(
            FaultLab.appliedStatus(events),
            ["lab-host-1": "patched", "lab-host-2": "unreachable", "lab-host-3": "patched"])
        XCTAssertTrue(
            FaultLab.appliedMessage(events, host: victim.name).contains(victim.name),
            FaultLab.appliedMessage(events, host: victim.name))
        // Half an agent exists only as a dot-temp, mode 0600 (not executable); every file under a
        // final name holds what its name says.
        XCTAssertEqual(try FaultLab.filesNotMatchingTheirName(victim), [])
        for part in try partFiles(victim) {
            XCTAssertEqual(part.mode & 0o111, 0, "\(part.name) is executable")
        }
        XCTAssertEqual(
            FaultLab.agentJournalCount(victim, outcome: "applied"), appliedBefore, "no agent ran on \(victim)"
        )

        try assertTheNextRolloutPatchesTheMissedHost(
            lab, victim, config: config, original: original, appliedBefore: appliedBefore)
    }

    /// sshd back (plain SFTP again): the next rollout patches the host it missed, and sweeps
    /// the cut-off temporary once it is old enough not to be another upload in flight.
    private func assertTheNextRolloutPatchesTheMissedHost(
        _ lab: LabFleet, _ victim: LabHost, config: String, original: String, appliedBefore: Int
    ) throws {
        let stale = try partFiles(victim)
        XCTAssertFalse(stale.isEmpty, "the cut-off upload's temporary")
        for part in stale {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -2 * 3600)],
                ofItemAtPath: FaultLab.uploadFolder(victim) + "/" + part.name)
        }
        try original.write(toFile: config, atomically: true, encoding: .utf8)
        try FaultLab.startSSHD(lab, victim)
        let again = try rollout(lab, [])
        XCTAssertEqual(try again.finish(), 0, again.lines.joined(separator: "\n"))
        XCTAssertEqual(
            FaultLab.appliedStatus(try again.events()),
            ["lab-host-1": "alreadyPatched", "lab-host-2": "patched", "lab-host-3": "alreadyPatched"])
        XCTAssertEqual(try FaultLab.filesNotMatchingTheirName(victim), [])
        XCTAssertEqual(FaultLab.agentJournalCount(victim, outcome: "applied"), appliedBefore + 1)
        XCTAssertEqual(try partFiles(victim).map(\.name), [], "stale temporaries swept")
    }

    /// A 256 kB tmpfs over lab-host-3's upload folder (inside its own mount namespace): the
    /// agent (3.8 MB, or 1.2 MB gzipped) cannot fit.
    func testAFullUploadDiskFailsThatHostSayingSoAndTheOthersArePatched() throws {
        let lab = try fleet()
        let victim = lab.hosts[2]
        let appliedBefore = FaultLab.agentJournalCount(victim, outcome: "applied")
        for host in lab.hosts { try? FileManager.default.removeItem(atPath: FaultLab.uploadFolder(host)) }
        let mounted = try FaultLab.inHost(
            lab, victim,
            [
                "/bin/sh", "-c",
                "mkdir -m 700 -p /var/tmp/hotpatch-root && mount -t tmpfs -o size=256k,mode=0700 tmpfs /var/tmp/hotpatch-root",
            ])
        XCTAssertEqual(mounted.status, 0, mounted.stderr)
        defer { _ = try? FaultLab.inHost(lab, victim, ["/bin/umount", "/var/tmp/hotpatch-root"]) }

        let coordinator = try rollout(lab, [])
        let status = try coordinator.finish()
        let events = try coordinator.events()
        XCTAssertEqual(status, 6, "completed with one failure: " + coordinator.lines.joined(separator: "\n"))
        XCTAssertEqual(
            FaultLab.appliedStatus(events),
            ["lab-host-1": "patched", "lab-host-2": "patched", "lab-host-3": "failed"])
        let message = FaultLab.appliedMessage(events, host: victim.name)
        XCTAssertTrue(message.contains(victim.name), message)
        XCTAssertTrue(message.contains("no space left"), message)

        // Inside the host, the (tmpfs) folder holds nothing that could be run: no temp, no agent.
        let listing = try FaultLab.inHost(lab, victim, ["/bin/ls", "-A", "/var/tmp/hotpatch-root"])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertEqual(listing.stdout, "", "left behind on the full disk")
        XCTAssertEqual(FaultLab.agentJournalCount(victim, outcome: "applied"), appliedBefore)
    }

    /// lab-host-2's sshd processes are stopped (SIGSTOP) once its agent is about to run, for
    /// longer than --host-timeout: the coordinator gives up on it by name and goes on.
    func testASlowHostTimesOutByNameTheOthersArePatchedAndStatusIsTruthfulAfterwards() throws {
        let lab = try fleet()
        let victim = lab.hosts[1]
        let appliedBefore = FaultLab.agentJournalCount(victim, outcome: "applied")
        let coordinator = try rollout(lab, ["--host-timeout", "4s", "--forks", "3"])
        var stopped = 0
        defer { if stopped > 0 { FaultLab.signalSSHD(lab, victim, SIGCONT) } }
        _ = try coordinator.read { event in
            if event["event"] as? String == "applyIntent", event["host"] as? String == victim.name {
                stopped = FaultLab.signalSSHD(lab, victim, SIGSTOP)
                return true
            }
            return false
        }
        XCTAssertGreaterThan(stopped, 1, "sshd listener and session stopped")
        let status = try coordinator.finish()
        FaultLab.signalSSHD(lab, victim, SIGCONT)
        stopped = 0

        let events = try coordinator.events()
        XCTAssertEqual(status, 6, coordinator.lines.joined(separator: "\n"))
        XCTAssertEqual(FaultLab.appliedStatus(events)["lab-host-1"], "patched")
        XCTAssertEqual(FaultLab.appliedStatus(events)["lab-host-3"], "patched")
        XCTAssertEqual(FaultLab.appliedStatus(events)[victim.name], "failed")
        let message = FaultLab.appliedMessage(events, host: victim.name)
        XCTAssertTrue(message.contains(victim.name) && message.contains("timed out"), message)
        XCTAssertTrue(message.contains("4s") || message.contains("4 s"), "the timeout is named: \(message)")

        // Afterwards: whatever the agent managed while its sshd was stopped, status says it, and
        // it agrees with the agent's own journal.
        let inPlace = try FaultLab.patchesInPlace(lab)
        let applied = FaultLab.agentJournalCount(victim, outcome: "applied") - appliedBefore
        XCTAssertEqual(
            inPlace[victim.name], .some(applied == 1 ? ["parity-fix"] : []), "agent journal says \(applied)")
    }

    // MARK: - Helpers

    private struct PartFile {
        let name: String
        let size: Int
        let mode: Int
    }

    /// Upload temps (`.<name>.part-<random>`) in `host`'s upload folder.
    private func partFiles(_ host: LabHost) throws -> [PartFile] {
        let folder = FaultLab.uploadFolder(host)
        return try ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(".") && $0.contains(".part-") }
            .map { name in
                let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)
                return PartFile(
                    name: name, size: attributes[.size] as? Int ?? 0,
                    mode: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0)
            }
    }

    /// Restarts `host`'s sshd with an SFTP subsystem that forwards `stallAfter` bytes from the
    /// client to the real sftp-server, drops a marker in the host's /root, then holds the rest.
    private func installStallingSFTP(on host: LabHost, lab: LabFleet, stallAfter: Int) throws {
        let script = """
            #!/usr/bin/python3
            # Test-only SFTP subsystem: pass STALL bytes of the client's requests, then hold.
            import os, subprocess, threading, time
            STALL = \(stallAfter)
            child = subprocess.Popen(["/usr/lib/openssh/sftp-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            def back():
                while True:
                    data = os.read(child.stdout.fileno(), 65536)
                    if not data:
                        os._exit(0)
                    os.write(1, data)
            threading.Thread(target=back, daemon=True).start()
            passed = 0
            while True:
                data = os.read(0, 65536)
                if not data:
                    break
                if passed + len(data) > STALL:
                    child.stdin.write(data[: STALL - passed]); child.stdin.flush()
                    open("/root/sftp-stalled", "w").close()
                    while True:
                        time.sleep(60)
                passed += len(data)
                child.stdin.write(data); child.stdin.flush()
            child.stdin.close()
            child.wait()

            """
        let path = host.privateRoot + "/stalling-sftp"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        try? FileManager.default.removeItem(atPath: host.privateRoot + "/sftp-stalled")
        let config = host.directory + "/sshd_config"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(
            of: "Subsystem sftp internal-sftp", with: "Subsystem sftp /root/stalling-sftp"
        )
        .write(toFile: config, atomically: true, encoding: .utf8)
        FaultLab.signalSSHD(lab, host, SIGKILL)
        try FaultLab.startSSHD(lab, host)
    }
}
