import Foundation
import Shared
import TestSupport
import XCTest

/// The rollout engine for real: a lab fleet of 10 hosts (own sshd, own PID namespace, the
/// buggy parity v1 service), the real `hotpatch` coordinator as a separate process, real
/// agents. Every test starts and ends with an unpatched fleet.
final class RolloutLabTests: LabRolloutTestCase {
    override class var labName: String { "RolloutLabTests" }
    override class var labHosts: Int { 10 }
    // Every test starts on unpatched services, whatever the previous test left.
    override class var restartsServicesBeforeEachTest: Bool { true }

    /// `hotpatch ARGS -i lab --known-hosts lab --journal-dir work`.
    private func hotpatch(_ command: String, _ arguments: [String], lab: LabFleet) throws -> ProgramResult {
        try RolloutFixture.run(
            [command] + arguments + ["-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath]
                + (["rollout", "rollback"].contains(command)
                    ? ["--journal-dir", work + "/journal"] + RolloutFixture.relaxedPause : []))
    }

    func testTenHostsInWavesArePatchedAndASecondRolloutSendsNothing() throws {
        let lab = try fleet()
        try assertFleetHasNoPatch(lab)
        let before = lab.hosts.map { ParityLog(path: $0.parityLogPath) }.map { (try? $0.lines().count) ?? 0 }

        let first = try hotpatch("rollout", [patch, "--waves", "1,30%,100%", "--json"], lab: lab)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let events = try JSONLines(first.stdout)
        XCTAssertEqual(events.named("waveStarted").map { ($0["hosts"] as? [String])?.count }, [1, 3, 6])
        XCTAssertEqual(events.named("applied").map { status($0) }, Array(repeating: "patched", count: 10))

        // The bug is gone on every host: a line written wholly after the patch counts no error.
        // Every host is patched once the rollout returns; the line being written then may have
        // begun before its host's patch, so the one after it is the first wholly after.
        for (index, host) in lab.hosts.enumerated() {
            let log = ParityLog(path: host.parityLogPath)
            let settled = try log.waitForLine(skipping: before[index] + 1, timeout: .seconds(30))
            let next = try log.waitForLine(skipping: try log.lines().count + 1, timeout: .seconds(30))
            XCTAssertEqual(next.misclassifiedDelta, 0, "\(host): \(log.tail())")
            XCTAssertGreaterThan(next.totalDelta, 0, "\(host) stopped classifying after \(settled.sequence)")
        }

        let second = try hotpatch("rollout", [patch, "--waves", "1,30%,100%", "--json"], lab: lab)
        XCTAssertEqual(second.status, 0, second.stdout + second.stderr)
        let again = try JSONLines(second.stdout)
        XCTAssertEqual(
            again.named("uploaded").map { $0["agentBytesSent"] as? Int }, Array(repeating: 0, count: 10))
        XCTAssertEqual(
            again.named("applied").map { status($0) }, Array(repeating: "alreadyPatched", count: 10))

        let rollback = try hotpatch("rollback", [patch, "--waves", "100%"], lab: lab)
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        try assertFleetHasNoPatch(lab)
    }

    func testAFailingCheckOnTheCanaryHaltsBeforeWave2AndNoHostKeepsThePatch() throws {
        let lab = try fleet()
        try assertFleetHasNoPatch(lab)
        let result = try hotpatch(
            "rollout", [patch, "--waves", "1,30%,100%", "--check", "exit 3", "--json"], lab: lab)
        XCTAssertEqual(result.status, 3, "halted and rolled back: " + result.stdout + result.stderr)
        let events = try JSONLines(result.stdout)
        XCTAssertEqual(events.named("waveStarted").count, 1, "wave 2 must never start")
        XCTAssertEqual(events.named("applied").map { $0["host"] as? String }, ["lab-host-1"])
        XCTAssertEqual(events.named("reverted").map { status($0) }, ["reverted"])
        XCTAssertEqual(events.named("finished").first?["result"] as? String, "haltedRolledBack")
        try assertFleetHasNoPatch(lab)
    }

    func testNoRollbackOnlyHaltsAndRollingBackThatRolloutUndoesExactlyIt() throws {
        let lab = try fleet()
        try assertFleetHasNoPatch(lab)
        let halted = try hotpatch(
            "rollout", [patch, "--waves", "2,100%", "--check", "false", "--no-rollback", "--json"], lab: lab)
        XCTAssertEqual(halted.status, 4, "halted without rollback: " + halted.stdout + halted.stderr)
        let events = try JSONLines(halted.stdout)
        XCTAssertEqual(events.named("reverted").count, 0)
        let rollout = try XCTUnwrap(events.all.first?["rollout"] as? String)

        // The two canaries keep the patch until the rollout is rolled back by its id.
        let status = try JSONLines(try hotpatch("status", ["--json"], lab: lab).stdout).all
        let patched = status.filter { ($0["patchesInPlace"] as? [String: Any])?["parity-fix"] != nil }
        XCTAssertEqual(patched.map { $0["host"] as? String }, ["lab-host-1", "lab-host-2"])

        let undo = try RolloutFixture.run([
            "rollback", "--rollout", rollout, "--journal-dir", work + "/journal", "--json",
        ])
        XCTAssertEqual(undo.status, 0, undo.stdout + undo.stderr)
        XCTAssertEqual(
            try JSONLines(undo.stdout).named("reverted").map { $0["host"] as? String }.sorted {
                ($0 ?? "") < ($1 ?? "")
            }, ["lab-host-1", "lab-host-2"])
        try assertFleetHasNoPatch(lab)
    }

    func testSIGKILLMidWave2ThenResumeCompletesWithoutPatchingAnyHostTwice() throws {
        let lab = try fleet()
        try assertFleetHasNoPatch(lab)
        let appliedBefore = lab.hosts.map { agentJournalCount(of: $0, outcome: "applied") }

        // Run the coordinator and SIGKILL it as soon as it records the intent to patch the
        // second host of wave 2: that host is then "in doubt" (its agent may well finish).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RolloutFixture.hotpatch)
        process.arguments =
            [
                "rollout", patch, "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--waves",
                "1,30%,100%",
                "--forks", "1", "--json", "--journal-dir", work + "/journal",
            ] + RolloutFixture.relaxedPause
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var rollout = ""
        var intentsInWave2 = 0
        for line in LineReader(pipe.fileHandleForReading) {
            let event = try JSONLines(line).all[0]
            rollout = event["rollout"] as? String ?? rollout
            if event["event"] as? String == "applyIntent", event["wave"] as? Int == 2 { intentsInWave2 += 1 }
            if intentsInWave2 == 2 {
                kill(process.processIdentifier, SIGKILL)
                break
            }
        }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the coordinator was killed mid-wave 2")

        let resumed = try RolloutFixture.run([
            "resume", rollout, "--journal-dir", work + "/journal", "--json",
        ])
        XCTAssertEqual(resumed.status, 0, resumed.stdout + resumed.stderr)
        let events = try JSONLines(resumed.stdout)
        // lab-host-3 is in doubt unless its outcome reached the journal before the kill landed;
        // either way resume must not patch it again (checked below from the agents' journals).
        let inDoubt = try XCTUnwrap(events.named("resumed").first?["hostsInDoubt"] as? [String])
        XCTAssertTrue(inDoubt == ["lab-host-3"] || inDoubt.isEmpty, "\(inDoubt)")
        XCTAssertEqual(events.named("finished").first?["result"] as? String, "succeeded")

        // The agents' own journals: each host was patched exactly once by this rollout.
        for (index, host) in lab.hosts.enumerated() {
            XCTAssertEqual(
                agentJournalCount(of: host, outcome: "applied") - appliedBefore[index], 1, "\(host)")
        }

        let undo = try RolloutFixture.run([
            "rollback", "--rollout", rollout, "--journal-dir", work + "/journal",
        ])
        XCTAssertEqual(undo.status, 0, undo.stdout + undo.stderr)
        try assertFleetHasNoPatch(lab)
    }

    func testOneConnectionPerHostCarriesEveryCheckRound() throws {
        let lab = try fleet()
        try assertFleetHasNoPatch(lab)
        let record = "/var/tmp/check-sessions"
        for host in lab.hosts {
            try? FileManager.default.removeItem(atPath: host.privateVarTmp + "/check-sessions")
        }

        // The check writes down which sshd session process serves it (the nearest sshd above
        // it): one connection per host means one process for every round. Three rounds after
        // each wave: the canary is checked 6 times, the other hosts 3 times.
        let check =
            "p=$PPID; while [ \"$(cat /proc/$p/comm)\" != sshd ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done; echo $p >> "
            + record
        let rollout = try hotpatch(
            "rollout",
            [
                patch, "--waves", "1,100%", "--soak", "2s", "--check-interval", "1s", "--check", check,
                "--json",
            ],
            lab: lab)
        XCTAssertEqual(rollout.status, 0, rollout.stdout + rollout.stderr)
        XCTAssertEqual(try JSONLines(rollout.stdout).named("checked").count, 6, rollout.stdout)
        for (index, host) in lab.hosts.enumerated() {
            let seen = try String(contentsOfFile: host.privateVarTmp + "/check-sessions", encoding: .utf8)
                .split(separator: "\n")
            XCTAssertEqual(seen.count, index == 0 ? 6 : 3, "\(host): \(seen)")
            XCTAssertEqual(
                Set(seen).count, 1, "\(host) was checked over \(Set(seen).count) connections: \(seen)")
        }

        let rollback = try hotpatch("rollback", [patch, "--waves", "100%"], lab: lab)
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        try assertFleetHasNoPatch(lab)
    }

    // MARK: - Helpers

    /// `status --json` reaches every host and finds no patch in place anywhere.
    private func assertFleetHasNoPatch(_ lab: LabFleet, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let status = try hotpatch("status", ["--json"], lab: lab)
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr, file: file, line: line)
        let hosts = try JSONLines(status.stdout).all
        XCTAssertEqual(hosts.count, lab.hosts.count, file: file, line: line)
        for host in hosts {
            XCTAssertEqual(host["reachable"] as? Bool, true, "\(host)", file: file, line: line)
            XCTAssertEqual(
                (host["patchesInPlace"] as? [String: Any])?.count, 0, "\(host)", file: file, line: line)
        }
    }

    /// Lines of the host's agent journal with `outcome=OUTCOME`.
    private func agentJournalCount(of host: LabHost, outcome: String) -> Int {
        let text =
            (try? String(contentsOfFile: host.privateVarLibHotpatch + "/journal.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains(" outcome=\(outcome)") }.count
    }

    private func status(_ event: [String: Any]) -> String? {
        (event["outcome"] as? [String: Any])?["status"] as? String
    }
}

/// Parsed JSON Lines output.
struct JSONLines {
    let all: [[String: Any]]

    init(_ text: String) throws {
        all = try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            else {
                throw NotAnObject(line: String(line))
            }
            return object
        }
    }

    struct NotAnObject: Error {
        let line: String
    }

    /// The events of one kind, in order.
    func named(_ event: String) -> [[String: Any]] { all.filter { $0["event"] as? String == event } }
}

/// Lines from a pipe as they arrive.
struct LineReader: Sequence, IteratorProtocol {
    let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
