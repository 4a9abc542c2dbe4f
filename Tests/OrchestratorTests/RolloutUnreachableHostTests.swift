import Foundation
import TestSupport
import XCTest

/// Hosts the coordinator cannot or must not reach: a stopped sshd is unreachable and counted
/// apart from failures; a host whose key does not match known_hosts is refused before a single
/// byte of agent or patch goes to it. Each test has its own small lab, since it breaks a host.
final class RolloutUnreachableHostTests: XCTestCase {
    private var work = ""
    private var patch = ""

    override func setUpWithError() throws {
        try RolloutFixture.requireBinaries()
        work = NSTemporaryDirectory() + "rollout-unreachable-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        patch = try RolloutFixture.parityPatch(in: work)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testAHostWhoseSSHDStopsMidRolloutIsUnreachableAndTheBudgetDecides() throws {
        let lab = try LabFleet.up(hosts: 3, name: "RolloutUnreachableSSHD")
        defer { try? lab.down(purge: true) }
        do {
            // The canary soaks for a while; meanwhile the last host's sshd goes away.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RolloutFixture.hotpatch)
            process.arguments =
                [
                    "rollout", patch, "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--waves",
                    "1,100%",
                    "--soak", "2s", "--check-interval", "1s", "--json", "--journal-dir", work + "/journal",
                ] + RolloutFixture.relaxedPause
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            var lines: [String] = []
            for line in LineReader(pipe.fileHandleForReading) {
                lines.append(line)
                if line.contains("\"event\":\"checked\""), line.contains("\"round\":1") {
                    try lab.stopSSHD(of: lab.hosts[2])
                }
            }
            process.waitUntilExit()
            // Unreachable hosts do not spend the default budget: the rollout completes, exit 6.
            XCTAssertEqual(process.terminationStatus, 6, lines.joined(separator: "\n"))
            let events = try JSONLines(lines.joined(separator: "\n"))
            let byHost = Dictionary(
                uniqueKeysWithValues: events.named("applied").map {
                    (
                        $0["host"] as? String ?? "",
                        ($0["outcome"] as? [String: Any])?["status"] as? String ?? ""
                    )
                })
            XCTAssertEqual(
                byHost, ["lab-host-1": "patched", "lab-host-2": "patched", "lab-host-3": "unreachable"])
            let totals = events.named("finished").first?["totals"] as? [String: Any]
            XCTAssertEqual(totals?["unreachable"] as? Int, 1)
            XCTAssertEqual(totals?["failed"] as? Int, 0)
        }
    }

    func testAHostWithAWrongKeyInKnownHostsIsRefusedBeforeAnythingIsUploaded() throws {
        let lab = try LabFleet.up(hosts: 3, name: "RolloutWrongHostKey")
        defer { try? lab.down(purge: true) }
        do {
            let victim = lab.hosts[1]
            let knownHosts = work + "/known_hosts"
            try writeKnownHosts(lab, replacingKeyOf: victim, to: knownHosts)

            let result = try RolloutFixture.run(
                [
                    "rollout", patch, "-i", lab.inventoryPath, "--known-hosts", knownHosts, "--waves",
                    "1,100%", "--json",
                    "--journal-dir", work + "/journal",
                ] + RolloutFixture.relaxedPause)
            let events = try JSONLines(result.stdout)
            XCTAssertEqual(
                events.named("uploaded").map { $0["host"] as? String }, ["lab-host-1", "lab-host-3"])
            let refused = try XCTUnwrap(
                events.named("applied").first { $0["host"] as? String == victim.name })
            let outcome = try XCTUnwrap(refused["outcome"] as? [String: Any])
            let message = outcome["message"] as? String ?? ""
            XCTAssertTrue(message.contains("hostkey"), message)
            // Nothing reached the host: its upload folder is empty and its agent never ran.
            let uploaded = (try? FileManager.default.subpathsOfDirectory(atPath: victim.privateVarTmp)) ?? []
            XCTAssertEqual(uploaded.filter { $0.contains("hotpatch") }, [], "files reached \(victim)")
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: victim.privateVarLibHotpatch + "/journal.log"))
        }
    }

    /// The lab's known_hosts with `host`'s key swapped for a freshly generated one.
    private func writeKnownHosts(_ lab: LabFleet, replacingKeyOf host: LabHost, to path: String) throws {
        let keyPath = work + "/impostor"
        let generated = try Subprocess.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let impostor = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).split(separator: " ")
        let original = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8)
        let lines = original.split(separator: "\n").map { line -> String in
            let fields = line.split(separator: " ")
            guard fields.first.map(String.init) == host.knownHostsPattern else { return String(line) }
            return "\(fields[0]) \(impostor[0]) \(impostor[1])"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
