import Foundation
import TestSupport
import XCTest

/// Inventory values full of shell syntax (spaces, quotes, `$()`, backticks, `;`, `|`,
/// newlines) in host names, key paths and become users, rolled out to real sshd hosts: each
/// value is used literally or refused cleanly, and no command hidden in one ever runs, neither
/// on this machine nor inside the host. Also: the upload folder is made root-owned 0700, and a
/// folder someone else owns, others can read, or that is a symlink is refused before anything
/// is written into it. One 2-host lab for the class.
final class HostileInventoryTests: LabRolloutTestCase {
    override class var labName: String { "HostileInventory" }
    override class var labHosts: Int { 2 }

    override func tearDownWithError() throws {
        if let lab = labIfUp {
            _ = try? RolloutFixture.run(
                [
                    "rollback", patch, "--waves", "100%", "-i", lab.inventoryPath, "--known-hosts",
                    lab.knownHostsPath,
                    "--journal-dir", work + "/journal",
                ] + RolloutFixture.relaxedPause)
        }
        try super.tearDownWithError()
    }

    func testShellSyntaxInNamesKeyPathsAndBecomeUsersNeverRuns() throws {
        let lab = try fleet()
        let canary = "/tmp/pwned-" + UUID().uuidString.prefix(8)
        // Every way a shell could be talked into running `touch CANARY`.
        let payload =
            "a b 'q' \"d\" $(touch \(canary)) `touch \(canary)`; touch \(canary) | touch \(canary)\n touch \(canary) #"

        // The lab's key under a name made of the payload: a literal path works as it is.
        let keyDirectory = work + "/keys " + payload.replacingOccurrences(of: "/", with: "_")
        try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true)
        let key = keyDirectory + "/client key $(touch \(canary.replacingOccurrences(of: "/", with: "_"))) ;|"
        try FileManager.default.copyItem(atPath: lab.clientKeyPath, toPath: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)

        let inventoryPath = try writeHostileInventory(lab, payload: payload, key: key, canary: canary)

        let result = try RolloutFixture.run(
            [
                "rollout", patch, "-i", inventoryPath, "--known-hosts", lab.knownHostsPath, "--waves", "100%",
                "--max-failed", "100%", "--journal-dir", work + "/journal", "--json",
            ] + RolloutFixture.relaxedPause)
        let events = try JSONLines(result.stdout)
        let status = FaultLab.appliedStatus(events)
        // The oddly named host with the oddly named key is reached and patched, its name intact.
        XCTAssertEqual(status["web " + payload], "patched", result.stdout + result.stderr)
        // The become user reaches sudo as one literal word (this lab has no sudo: a clean failure).
        XCTAssertEqual(status["sudo-host"], "failed", result.stdout)
        let sudoMessage = FaultLab.appliedMessage(events, host: "sudo-host")
        XCTAssertTrue(sudoMessage.contains("sudo"), sudoMessage)
        // The address is never handed to a shell: it does not resolve, so the host is unreachable.
        XCTAssertEqual(status["bad-address"], "unreachable", result.stdout)
        // No such account: sshd refuses the login before any folder is named after it.
        XCTAssertEqual(status["bad-user"], "unreachable", result.stdout)

        XCTAssertFalse(FileManager.default.fileExists(atPath: canary), "a payload ran on this machine")
        for host in lab.hosts {
            let probe = try FaultLab.inHost(lab, host, ["/bin/sh", "-c", "ls -A /tmp /root /var/tmp"])
            XCTAssertEqual(probe.status, 0, probe.stderr)
            XCTAssertFalse(probe.stdout.contains("pwned"), "a payload ran on \(host): \(probe.stdout)")
        }
    }

    /// An inventory whose host name, key path, become user, address and login user carry the
    /// payload; JSON is YAML, and JSONSerialization writes every character of it correctly escaped.
    private func writeHostileInventory(_ lab: LabFleet, payload: String, key: String, canary: String) throws
        -> String
    {
        let first = lab.hosts[0]
        let second = lab.hosts[1]
        let inventory: [String: Any] = [
            "all": [
                "hosts": [
                    "web " + payload: [
                        "ansible_host": first.address, "ansible_port": first.port, "ansible_user": "root",
                        "ansible_ssh_private_key_file": key,
                    ],
                    "sudo-host": [
                        "ansible_host": second.address, "ansible_port": second.port, "ansible_user": "root",
                        "ansible_ssh_private_key_file": lab.clientKeyPath,
                        "ansible_become": true, "ansible_become_user": payload,
                    ],
                    "bad-address": [
                        "ansible_host": "127.0.2.250; touch \(canary) $(touch \(canary))",
                        "ansible_port": first.port,
                        "ansible_user": "root", "ansible_ssh_private_key_file": lab.clientKeyPath,
                    ],
                    // The login user also names the upload folder (/var/tmp/hotpatch-%u).
                    "bad-user": [
                        "ansible_host": first.address, "ansible_port": first.port, "ansible_user": payload,
                        "ansible_ssh_private_key_file": lab.clientKeyPath,
                    ],
                ]
            ]
        ]
        let inventoryPath = work + "/hostile.yml"
        try JSONSerialization.data(withJSONObject: inventory, options: [.sortedKeys]).write(
            to: URL(fileURLWithPath: inventoryPath))
        return inventoryPath
    }

    func testTheUploadFolderIsMadeRootOwned0700AndAnUnsafeOneIsRefused() throws {
        let lab = try fleet()
        let host = lab.hosts[0]
        let folder = FaultLab.uploadFolder(host)
        try? FileManager.default.removeItem(atPath: folder)

        var result = try rollout(lab)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let made = try FaultLab.inHost(
            lab, host, ["/usr/bin/stat", "-c", "%u %a %F", "/var/tmp/hotpatch-root"])
        XCTAssertEqual(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0 700 directory")

        // Readable by others; owned by someone else; a symlink to a folder root owns: all refused.
        let cleared = try FaultLab.inHost(lab, host, ["/bin/rm", "-rf", "/var/tmp/hotpatch-root"])
        XCTAssertEqual(cleared.status, 0, cleared.stderr)
        let unsafe: [(String, String)] = [
            ("mkdir -p -m 700 /var/tmp/hotpatch-root && chmod 755 /var/tmp/hotpatch-root", "mode 755"),
            (
                "mkdir -p -m 700 /var/tmp/hotpatch-root && chown 65534 /var/tmp/hotpatch-root",
                "owner uid 65534"
            ),
            (
                "mkdir -m 700 /var/tmp/elsewhere && ln -s /var/tmp/elsewhere /var/tmp/hotpatch-root",
                "is not a folder"
            ),
        ]
        for (spoil, expected) in unsafe {
            let spoiled = try FaultLab.inHost(lab, host, ["/bin/sh", "-c", spoil])
            XCTAssertEqual(spoiled.status, 0, spoiled.stderr)
            let before = try uploadedFiles(lab, host)
            result = try rollout(lab)
            let events = try JSONLines(result.stdout)
            XCTAssertEqual(FaultLab.appliedStatus(events)[host.name], "failed", "\(spoil): \(result.stdout)")
            XCTAssertEqual(FaultLab.appliedStatus(events)[lab.hosts[1].name], "alreadyPatched", spoil)
            let message = FaultLab.appliedMessage(events, host: host.name)
            XCTAssertTrue(
                message.contains(expected) && message.contains("/var/tmp/hotpatch-root"),
                "\(spoil): \(message)")
            XCTAssertEqual(try uploadedFiles(lab, host), before, "\(spoil): something was written")
            let mended = try FaultLab.inHost(
                lab, host,
                [
                    "/bin/sh", "-c",
                    "rm -f /var/tmp/hotpatch-root; rm -rf /var/tmp/hotpatch-root /var/tmp/elsewhere",
                ])
            XCTAssertEqual(mended.status, 0, mended.stderr)
        }
    }

    private func rollout(_ lab: LabFleet) throws -> ProgramResult {
        try RolloutFixture.run(
            [
                "rollout", patch, "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--waves",
                "100%",
                "--max-failed", "100%", "--journal-dir", work + "/journal", "--json",
            ] + RolloutFixture.relaxedPause)
    }

    /// `ls -lAR` of the host's /var/tmp (names, sizes, modes): what an upload would change.
    private func uploadedFiles(_ lab: LabFleet, _ host: LabHost) throws -> String {
        try FaultLab.inHost(lab, host, ["/bin/ls", "-lAR", "--time-style=+", "/var/tmp"]).stdout
    }
}
