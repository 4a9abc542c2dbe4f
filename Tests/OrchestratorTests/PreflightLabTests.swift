import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch plan` and `rollout --preflight` on a lab where each host is broken in one way
/// (shaped once in the class's setUp, inside that host's own mount namespace only; the shaping is
/// undone by the lab going down):
/// 1 ready; 2 runs only another build of the service at the same path (v2 bind-mounted over
/// parity-v1); 3 has its sshd started without CAP_SYS_PTRACE in its bounding set (a container's
/// default: ptrace_scope is machine-wide, this is per host); 4 has a noexec tmpfs on /var/tmp and
/// no sha256sum (/dev/null bound over it) and must still be ready through the fallback folder and
/// hash tool; 5 has a trusted-keys file without the patch's (absent) key; 6 FAKES `uname -m`
/// (aarch64) and 7 FAKES `uname -r` (3.1.0) with a script bound over /usr/bin/uname; 8 has every
/// candidate upload folder noexec; 9 has no SHA-256 tool at all.
final class PreflightLabTests: LabRolloutTestCase {
    override class var labHosts: Int { 9 }

    /// nil until the class's lab is shaped, then the outcome (shaped once per lab, before
    /// the first test; every test leaves the shaping as it found it).
    nonisolated(unsafe) private static var shaping: Result<Void, LabUnavailable>?

    override class func tearDown() {
        shaping = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        if Self.shaping == nil {
            do {
                try PreflightLabShaping.shape(try fleet())
                Self.shaping = .success(())
            } catch {
                Self.shaping = .failure(LabUnavailable(description: "shaping the lab failed: \(error)"))
            }
        }
        try Self.shaping?.get()
    }

    func testPlanReportsEachHostsReasonsInOneRun() throws {
        let lab = try fleet()
        let result = try RolloutFixture.run(
            ["plan", patch, "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--json"])
        XCTAssertEqual(result.status, 6, "plan exits 6 when a host would fail\n\(result.stderr)")
        let hosts = try PlanLine.decode(result.stdout)
        let target = try XCTUnwrap(hosts["lab-host-1"]?.preflight?.targetBuildID)
        func problems(_ name: String) -> String {
            hosts[name]?.problems.joined(separator: " | ") ?? "no line for \(name)"
        }

        let ready = try XCTUnwrap(hosts["lab-host-1"])
        XCTAssertTrue(ready.ready, problems("lab-host-1"))
        XCTAssertEqual(ready.preflight?.targets.map(\.buildID), [target])
        XCTAssertEqual(ready.preflight?.otherBuilds.count, 0)

        let other = try XCTUnwrap(hosts["lab-host-2"]?.preflight)
        XCTAssertEqual(other.targets.count, 0, "counted by build-id, not by the path it runs from")
        XCTAssertEqual(other.otherBuilds.count, 1)
        XCTAssertNotEqual(other.otherBuilds.first?.buildID, target)
        XCTAssertTrue(other.otherBuilds.first?.module.hasSuffix("/parity-v1") == true)
        XCTAssertTrue(problems("lab-host-2").contains("targets: no process maps build-id \(target)"))
        XCTAssertTrue(problems("lab-host-2").contains("run another build"))

        XCTAssertEqual(hosts["lab-host-3"]?.preflight?.ptrace.hasSysPtrace, false)
        XCTAssertTrue(
            problems("lab-host-3").contains("ptrace: the agent lacks CAP_SYS_PTRACE"), problems("lab-host-3"))

        let fallback = try XCTUnwrap(hosts["lab-host-4"])
        XCTAssertTrue(fallback.ready, problems("lab-host-4"))
        XCTAssertEqual(fallback.preflight?.uploadFolder.path, "/root/.cache/hotpatch")
        XCTAssertEqual(fallback.preflight?.uploadFolder.allowsExec, true)

        XCTAssertEqual(hosts["lab-host-5"]?.preflight?.signature.accepted, false)
        XCTAssertEqual(hosts["lab-host-5"]?.preflight?.targets.count, 1)
        XCTAssertTrue(
            problems("lab-host-5").contains("signature: refused, nothing touched"), problems("lab-host-5"))
        XCTAssertTrue(
            problems("lab-host-5").contains("is unsigned and this host applies only signed patches"))

        XCTAssertTrue(problems("lab-host-6").contains("the agent is built for x86-64 only (host is aarch64)"))
        XCTAssertTrue(problems("lab-host-7").contains("kernel 3.1.0-legacy is older than 3.2"))
        try assertNothingUploaded(to: ["lab-host-6", "lab-host-7"], hosts, lab)
        XCTAssertTrue(problems("lab-host-8").contains("no usable upload folder"), problems("lab-host-8"))
        XCTAssertTrue(
            problems("lab-host-8").contains("/root/.cache/hotpatch (its file system is mounted noexec)"))
        XCTAssertTrue(problems("lab-host-8").contains("--remote-dir"))
        XCTAssertTrue(problems("lab-host-9").contains("no SHA-256 tool"), problems("lab-host-9"))
        XCTAssertTrue(problems("lab-host-9").contains("install coreutils"))
        XCTAssertEqual(
            hosts.values.filter { !$0.ready }.map(\.host).sorted(),
            [
                "lab-host-2", "lab-host-3", "lab-host-5", "lab-host-6", "lab-host-7", "lab-host-8",
                "lab-host-9",
            ])
        try assertTheHumanViewSaysTheSame(lab)
    }

    /// Hosts that cannot run the agent have no preflight, and nothing is uploaded to them (not
    /// even the folder made).
    private func assertNothingUploaded(to names: [String], _ hosts: [String: PlanLine], _ lab: LabFleet) throws {
        for name in names {
            XCTAssertNil(hosts[name]?.preflight)
            let host = try XCTUnwrap(lab.hosts.first { $0.name == name })
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: host.privateVarTmp + "/hotpatch-root"),
                "\(name): nothing is uploaded (not even the folder made) to a host that cannot run the agent")
        }
    }

    /// `plan` without `--json` says the same, one line per reason.
    private func assertTheHumanViewSaysTheSame(_ lab: LabFleet) throws {
        let text = try RolloutFixture.run(
            ["plan", patch, "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath])
        XCTAssertEqual(text.status, 6)
        XCTAssertTrue(text.stdout.contains("lab-host-1: ready\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("lab-host-3: would fail:\n  - targets: "), text.stdout)
        XCTAssertTrue(text.stdout.contains("\n  - ptrace: the agent lacks CAP_SYS_PTRACE"), text.stdout)
        print(text.stdout)
    }

    func testRolloutWithPreflightStartsNothingWhenAHostWouldFail() throws {
        let lab = try fleet()
        let journal = work + "/journal"
        let appliedBefore = lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "applied") }
        let result = try RolloutFixture.run(
            ["rollout", patch, "--preflight"] + FaultLab.arguments(lab, journal: journal))
        XCTAssertEqual(result.status, 7, result.stdout + result.stderr)
        let lines = try JSONLines(result.stdout).all
        XCTAssertEqual(lines.last?["event"] as? String, "preflight-refused")
        XCTAssertEqual((lines.last?["failedHosts"] as? [String])?.count, 7)
        XCTAssertEqual(lines.dropLast().filter { $0["ready"] as? Bool == false }.count, 7)
        XCTAssertEqual(
            (try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? [], [], "no journal is written"
        )
        XCTAssertEqual(
            lab.hosts.map { FaultLab.agentJournalCount($0, outcome: "applied") }, appliedBefore,
            "no host applied anything")
    }

    func testNoexecHostIsPatchedThroughTheFallbackFolder() throws {
        let lab = try fleet()
        let result = try RolloutFixture.run(
            ["rollout", patch, "--preflight", "--limit", "lab-host-1,lab-host-4"]
                + FaultLab.arguments(lab, journal: work + "/journal"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let host = try XCTUnwrap(lab.hosts.first { $0.name == "lab-host-4" })
        let uploaded =
            (try? FileManager.default.contentsOfDirectory(atPath: host.privateRoot + "/.cache/hotpatch"))
            ?? []
        XCTAssertTrue(uploaded.contains { $0.hasSuffix("-hotpatch-agent") }, "\(uploaded)")
        let rollback = try RolloutFixture.run(
            [
                "rollback", patch, "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--limit",
                "lab-host-1,lab-host-4", "--journal-dir", work + "/journal",
            ] + RolloutFixture.relaxedPause)
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
    }
}

/// One host line of `plan --json`, decoded with the agent's own report type.
private struct PlanLine: Decodable {
    let host: String
    let ready: Bool
    let problems: [String]
    let preflight: PreflightReport?

    /// The host lines of `plan --json` by host name (the waves line is left out).
    static func decode(_ output: String) throws -> [String: PlanLine] {
        var hosts: [String: PlanLine] = [:]
        for line in output.split(separator: "\n") where line.contains("\"host\"") {
            let parsed = try JSONDecoder().decode(PlanLine.self, from: Data(line.utf8))
            hosts[parsed.host] = parsed
        }
        return hosts
    }
}
