import Foundation
import TestSupport
import XCTest

/// Hosts that misbehave with their output, on a real lab (real sshd, the real `hotpatch`
/// coordinator as a child process): a 400 MB check is read with bounded memory and judged by its
/// exit status, a check that never stops writing is cut off at the flood ceiling, and terminal
/// escapes from a host reach the operator escaped (and `--json` exact). Every test ends with the
/// fleet unpatched (each halts and rolls back).
final class OutputFloodLabTests: LabRolloutTestCase {
    override class var labName: String { "OutputFloodLabTests" }
    override class var labHosts: Int { 2 }
    // Several tests patch the same hosts: each starts on unpatched, freshly started services
    // instead of what the previous test (or its failed cleanup) left.
    override class var restartsServicesBeforeEachTest: Bool { true }

    /// `hotpatch rollout PATCH ARGS` on the lab, both hosts in one wave.
    private func rolloutArguments(_ arguments: [String], lab: LabFleet) -> [String] {
        ["rollout", patch, "--waves", "100%"] + arguments
            + [
                "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--journal-dir",
                work + "/journal",
            ] + RolloutFixture.relaxedPause
    }

    func testA400MBCheckIsKeptHeadAndTailJudgedByItsExitAndTheCoordinatorStaysSmall() throws {
        let lab = try fleet()
        // 400,000,000 bytes of x on both hosts; lab-host-1's check passes, lab-host-2's fails.
        let check =
            "head -c 400000000 /dev/zero | tr '\\0' x; echo; echo END; [ \"$(hostname)\" = lab-host-1 ]"
        let (result, peakKiB) = try Subprocess.runMeasuringPeakMemory(
            RolloutFixture.hotpatch,
            rolloutArguments(["--check", check, "--check-timeout", "300s", "--json"], lab: lab))
        print("OutputFloodLabTests: coordinator peak RSS with two 400 MB checks: \(peakKiB / 1024) MiB")
        XCTAssertEqual(result.status, 3, "halted on lab-host-2's check and rolled back: " + result.stderr)
        let events = try JSONLines(result.stdout)
        let failures = events.named("checked").flatMap { $0["failures"] as? [[String: Any]] ?? [] }
        XCTAssertEqual(failures.map { $0["host"] as? String }, ["lab-host-2"], "lab-host-1's check exited 0")
        let message = try XCTUnwrap(failures.first?["message"] as? String)
        // 400,000,005 bytes (the x's, a newline, END and a newline), 200 shown at the start, 100 at the end.
        let shown =
            "--check exited 1: " + String(repeating: "x", count: 200)
            + " | … 399,999,705 bytes not shown … | " + String(repeating: "x", count: 95) + " | END"
        XCTAssertEqual(message, shown)
        XCTAssertEqual(events.named("reverted").count, 2, result.stdout)
        XCTAssertGreaterThan(peakKiB, 0, "the coordinator's memory was read while it ran")
        XCTAssertLessThan(peakKiB, 300 * 1024, "the coordinator's memory must not grow with a host's output")
    }

    func testACheckThatNeverStopsWritingFailsAtTheFloodCeilingAndItsChannelIsClosed() throws {
        let lab = try fleet()
        let result = try RolloutFixture.run(
            rolloutArguments(["--check", "yes", "--check-timeout", "600s", "--json"], lab: lab))
        XCTAssertEqual(result.status, 3, "halted and rolled back: " + result.stdout + result.stderr)
        let events = try JSONLines(result.stdout)
        let failures = events.named("checked").flatMap { $0["failures"] as? [[String: Any]] ?? [] }
        XCTAssertEqual(failures.map { $0["host"] as? String }, ["lab-host-1", "lab-host-2"])
        for failure in failures {
            let message = failure["message"] as? String ?? ""
            XCTAssertTrue(message.hasPrefix("--check printed more than 512 MiB (stdout "), message)
            XCTAssertTrue(message.hasSuffix("stopped reading and closed the channel"), message)
        }
        // The session that carried the flood was closed; the revert came over a new one.
        XCTAssertEqual(
            events.named("reverted").map { ($0["outcome"] as? [String: Any])?["status"] as? String },
            ["reverted", "reverted"], result.stdout)
        // Closing the channel ends the writer on the host (EPIPE), not only our reading.
        for host in lab.hosts {
            let deadline = ContinuousClock.now + .seconds(60)
            var left = ""
            repeat {
                left = try lab.run("pgrep -x yes || true", on: host).stdout
                if left.isEmpty { break }
                Thread.sleep(forTimeInterval: 0.2)
            } while ContinuousClock.now < deadline
            XCTAssertEqual(left, "", "\(host): yes still runs after its channel was closed")
        }
    }

    func testTerminalEscapesFromAHostAreShownEscapedToPeopleAndExactInJSON() throws {
        let lab = try fleet()
        // OSC set-title, erase-line, a C1 CSI (U+009B as UTF-8) and a lone 0x9B byte (not UTF-8).
        let check = #"printf '\033]0;pwned\007\033[2K\302\233\233'; exit 1"#
        let human = try RolloutFixture.run(rolloutArguments(["--check", check], lab: lab))
        XCTAssertEqual(human.status, 3, human.stdout + human.stderr)
        let raw = human.stdout.unicodeScalars.filter {
            [0x07, 0x1B].contains($0.value) || (0x80...0x9F).contains($0.value)
        }
        XCTAssertTrue(
            raw.isEmpty, "raw control characters reached the terminal: \(human.stdout.debugDescription)")
        let escaped = #"--check exited 1: \u{1B}]0;pwned\u{07}\u{1B}[2K\u{9B}"# + "\u{FFFD}"
        XCTAssertTrue(human.stdout.contains("lab-host-1: check failed: " + escaped), human.stdout)
        XCTAssertTrue(
            human.stdout.split(separator: "\n").contains {
                $0.hasPrefix("lab-host-2") && $0.hasSuffix(escaped)
            },
            "the summary table row: " + human.stdout)

        let json = try RolloutFixture.run(rolloutArguments(["--check", check, "--json"], lab: lab))
        XCTAssertEqual(json.status, 3, json.stdout + json.stderr)
        let failures = try JSONLines(json.stdout).named("checked").flatMap {
            $0["failures"] as? [[String: Any]] ?? []
        }
        XCTAssertEqual(
            failures.map { $0["message"] as? String },
            Array(repeating: "--check exited 1: \u{1B}]0;pwned\u{07}\u{1B}[2K\u{9B}\u{FFFD}", count: 2),
            "the JSON keeps the host's text exactly (the byte that is not UTF-8 becomes U+FFFD)")
    }
}
