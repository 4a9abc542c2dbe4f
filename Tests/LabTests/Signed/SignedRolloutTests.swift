import Foundation
import TestSupport
import XCTest

/// Signed patches across a real lab fleet (own sshd, own /etc/hotpatch per host): with the
/// release key trusted on every host, an unsigned rollout is refused by the canary's agent and
/// halts with nothing patched, naming the host and the reason; the signed rollout succeeds.
final class SignedRolloutTests: XCTestCase {
    func testUnsignedRolloutIsRefusedOnTheCanaryAndTheSignedOneSucceeds() throws {
        try BuiltProducts.require()
        let hotpatch = BuiltProducts.hotpatch
        let work = NSTemporaryDirectory() + "signed-rollout-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let build = RepositoryPaths.path("examples/parity/build")
        let patch = work + "/parity-fix.hotpatch"
        try expectSuccess(
            hotpatch,
            [
                "create", "--target", build + "/parity-v1", "--object", build + "/classify_v2.o", "--id",
                "parity-fix",
                "-o", patch,
            ])
        let key = work + "/release"
        try expectSuccess(hotpatch, ["keygen", "--out", key, "--comment", "release@lab"])
        let publicLine = try String(contentsOfFile: key + ".pub", encoding: .utf8)
            .trimmingCharacters(in: .newlines)

        try LabFleet.with(hosts: 3, name: "SignedRolloutTests") { lab in
            // Trust the release key on every host, through the lab's ssh, as an operator would.
            for host in lab.hosts {
                let wrote = try lab.run(
                    "umask 022 && printf '%s\\n' '# release key' '\(publicLine)' > /etc/hotpatch/trusted-keys",
                    on: host)
                XCTAssertEqual(wrote.status, 0, wrote.stderr)
            }
            let fleet = ["-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath]
            let rollout = ["--waves", "1,100%", "--journal-dir", work + "/journal", "--max-pause", "2s"]

            let refused = try Subprocess.run(hotpatch, ["rollout", patch] + fleet + rollout)
            let output = refused.stdout + refused.stderr
            XCTAssertNotEqual(refused.status, 0, output)
            let canary = lab.hosts[0].name
            XCTAssertTrue(
                output.contains("\(canary): failed: untrusted") && output.contains("is unsigned"), output)
            try assertNoHostPatched(lab, hotpatch: hotpatch, patch: patch, fleet: fleet)

            try expectSuccess(hotpatch, ["sign", patch, "--key", key])
            let signed = try Subprocess.run(hotpatch, ["rollout", patch] + fleet + rollout + ["--json"])
            XCTAssertEqual(signed.status, 0, signed.stdout + signed.stderr)
            let patched = signed.stdout.split(separator: "\n").filter {
                $0.contains("\"applied\"") && $0.contains("\"patched\"")
            }
            XCTAssertEqual(patched.count, 3, signed.stdout)
        }
    }

    /// No host's agent reports the patch in any process.
    private func assertNoHostPatched(_ lab: LabFleet, hotpatch: String, patch: String, fleet: [String]) throws
    {
        let status = try Subprocess.run(hotpatch, ["status", patch] + fleet + ["--json"])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        let hosts = status.stdout.split(separator: "\n").filter { $0.contains("patchesInPlace") }
        XCTAssertEqual(hosts.count, lab.hosts.count, status.stdout)
        for line in hosts {
            XCTAssertTrue(line.contains("\"patchesInPlace\":{}"), "a host holds a patch: \(line)")
        }
    }

    private func expectSuccess(_ executable: String, _ arguments: [String]) throws {
        let result = try Subprocess.run(executable, arguments)
        guard result.status == 0 else {
            throw StepFailure(
                description: "hotpatch \(arguments.first ?? ""): \(result.stdout)\(result.stderr)")
        }
    }
}

/// A setup step that failed (create, keygen, sign), with its output.
private struct StepFailure: Error, CustomStringConvertible {
    let description: String
}
