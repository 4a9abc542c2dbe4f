import Foundation
import TestSupport
import XCTest

/// The verified-hash record (`UploadScript`'s `.NAME.verified`): a warm rollout trusts the
/// agent already on the host without hashing it, and a file changed since its check is hashed
/// again (and sent again when its content differs). One lab host whose `sha256sum` is, after
/// the first rollout, a wrapper that logs every call before running the real one.
final class UploadRecordLabTests: LabRolloutTestCase {
    override class var labName: String { "UploadRecordLabTests" }
    override class var labHosts: Int { 1 }

    func testAWarmRolloutHashesNothingAndAChangedAgentIsHashedAgain() throws {
        let lab = try fleet()
        let host = lab.hosts[0]
        try? FileManager.default.removeItem(atPath: FaultLab.uploadFolder(host))

        // Cold: the agent is sent, checked, and its record written next to it.
        try rolloutPatches(lab, expectSent: true)
        let agent = try uploadedAgent(host)
        let record = FaultLab.uploadFolder(host) + "/." + (agent as NSString).lastPathComponent + ".verified"
        let recorded = try String(contentsOfFile: record, encoding: .utf8)
        XCTAssertTrue(recorded.hasPrefix(hostPath(agent, host) + " "), recorded)

        let calls = try countSHA256Calls(lab, host)
        try rollback(lab)

        // Warm: same agent, same record: no sha256sum at all, and the host is patched.
        try rolloutPatches(lab, expectSent: false)
        XCTAssertEqual(try callLines(calls), [], "a warm rollout hashed on the host")
        try rollback(lab)

        // Touched (same size, same content, new mtime and ctime): hashed again, not re-sent.
        let touched = try Subprocess.run("/usr/bin/touch", [agent])
        XCTAssertEqual(touched.status, 0, touched.stderr)
        try rolloutPatches(lab, expectSent: false)
        let afterTouch = try callLines(calls)
        XCTAssertTrue(
            afterTouch.contains { $0.contains((agent as NSString).lastPathComponent) },
            "the touched agent was not hashed again: \(afterTouch)")
        try rollback(lab)

        // One byte changed, mtime put back: the ctime still differs, so it is hashed, found
        // wrong, and sent again.
        let stamp = try FileManager.default.attributesOfItem(atPath: agent)[.modificationDate] as? Date
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: agent))
        try handle.seek(toOffset: 4096)
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data([byte ^ 0xff]))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: try XCTUnwrap(stamp)], ofItemAtPath: agent)
        try rolloutPatches(lab, expectSent: true)
        XCTAssertEqual(try FaultLab.filesNotMatchingTheirName(host), [])
        try rollback(lab)
    }

    /// `hotpatch rollout` of the test's patch: every host patched; the agent sent or not.
    private func rolloutPatches(_ lab: LabFleet, expectSent: Bool, line: UInt = #line) throws {
        let result = try hotpatch("rollout", [patch, "--json"], lab: lab)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr, line: line)
        let events = try JSONLines(result.stdout)
        XCTAssertEqual(
            events.named("applied").map { ($0["outcome"] as? [String: Any])?["status"] as? String },
            ["patched"], result.stdout, line: line)
        let sent = events.named("uploaded").map { ($0["agentBytesSent"] as? Int) ?? -1 }
        XCTAssertEqual(sent.count, 1, result.stdout, line: line)
        XCTAssertEqual(sent.allSatisfy { $0 > 0 }, expectSent, "agent bytes sent: \(sent)", line: line)
    }

    private func rollback(_ lab: LabFleet) throws {
        let result = try hotpatch("rollback", [patch, "--waves", "100%"], lab: lab)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }

    /// `hotpatch ARGS -i lab --known-hosts lab --journal-dir work`.
    private func hotpatch(_ command: String, _ arguments: [String], lab: LabFleet) throws -> ProgramResult {
        try RolloutFixture.run(
            [command] + arguments + [
                "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--journal-dir",
                work + "/journal",
            ] + RolloutFixture.relaxedPause)
    }

    /// The uploaded agent in `host`'s upload folder, as this machine sees it.
    private func uploadedAgent(_ host: LabHost) throws -> String {
        let folder = FaultLab.uploadFolder(host)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            !$0.hasPrefix(".") && $0.hasSuffix("-hotpatch-agent")
        }
        XCTAssertEqual(names.count, 1, "\(names)")
        return folder + "/" + (try XCTUnwrap(names.first))
    }

    /// The path the host itself sees for `local` (its /var/tmp is `privateVarTmp` here).
    private func hostPath(_ local: String, _ host: LabHost) -> String {
        "/var/tmp" + local.dropFirst(host.privateVarTmp.count)
    }

    /// Binds a wrapper over the host's `/usr/bin/sha256sum` that appends its arguments to a log
    /// and runs a copy of the real tool; returns the log's path.
    private func countSHA256Calls(_ lab: LabFleet, _ host: LabHost) throws -> String {
        let real = host.directory + "/sha256sum.real"
        let wrapper = host.directory + "/sha256sum.logging"
        let log = host.directory + "/sha256sum.calls"
        try? FileManager.default.removeItem(atPath: real)
        try FileManager.default.copyItem(atPath: "/usr/bin/sha256sum", toPath: real)
        try "#!/bin/sh\necho \"$*\" >> '\(log)'\nexec '\(real)' \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        try "".write(toFile: log, atomically: true, encoding: .utf8)
        let bound = try FaultLab.inHost(lab, host, ["/bin/mount", "--bind", wrapper, "/usr/bin/sha256sum"])
        XCTAssertEqual(bound.status, 0, bound.stderr)
        // The wrapper itself works (and logs) in the host before the warm run relies on it.
        let probe = try lab.run("sha256sum /dev/null", on: host)
        XCTAssertEqual(probe.status, 0, probe.stderr)
        XCTAssertEqual(try callLines(log), ["/dev/null"])
        try "".write(toFile: log, atomically: true, encoding: .utf8)
        return log
    }

    private func callLines(_ log: String) throws -> [String] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
