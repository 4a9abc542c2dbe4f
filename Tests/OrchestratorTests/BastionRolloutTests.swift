import Foundation
import TestSupport
import XCTest

/// Hosts behind a bastion, for real: the lab's hosts run their sshd in a network namespace of
/// their own, so this machine cannot reach them (connection refused); the lab's bastion
/// (127.0.9.1, its sshd inside that namespace) can. The coordinator reaches them through
/// `ProxyJump`, from the inventory and from `~/.ssh/config`, over one bastion login per run.
final class BastionRolloutTests: LabRolloutTestCase {
    override class var labName: String { "BastionRolloutTests" }
    override class var labHosts: Int { 3 }
    // Several tests patch the same hosts: each starts on unpatched, freshly started services
    // instead of what the previous test (or its failed cleanup) left.
    override class var restartsServicesBeforeEachTest: Bool { true }
    override class var labBehindBastion: Bool { true }

    func testHostsOnlyTheBastionReachesArePatchedOverOneBastionLoginPerRun() throws {
        let lab = try fleet()
        let home = try homeWithBastionConfig(lab)

        // Without the jump the hosts are out of reach: their port refuses the connection.
        let direct = try inventory(lab, rewriting: { Self.withoutProxyJump($0) })
        let refused = try hotpatch(["status", "--json", "-i", direct], lab: lab, home: home)
        XCTAssertEqual(refused.status, 6, refused.stdout + refused.stderr)
        XCTAssertEqual(
            Self.hostLines(refused.stdout, containing: "Connection refused"), lab.hosts.count,
            refused.stdout + refused.stderr)

        // The lab's inventory says ansible_ssh_common_args='-o ProxyJump=root@127.0.9.1:PORT'.
        let loginsBefore = bastionLogins(lab)
        let rollout = try hotpatch(
            ["rollout", patch, "--waves", "1,100%", "--json", "-i", lab.inventoryPath]
                + ["--journal-dir", work + "/journal"] + RolloutFixture.relaxedPause, lab: lab, home: home)
        XCTAssertEqual(rollout.status, 0, rollout.stdout + rollout.stderr)
        let events = try JSONLines(rollout.stdout)
        XCTAssertEqual(
            events.named("applied").compactMap { ($0["outcome"] as? [String: Any])?["status"] as? String },
            Array(repeating: "patched", count: lab.hosts.count), rollout.stdout)
        XCTAssertEqual(bastionLogins(lab) - loginsBefore, 1, "one bastion session for the whole rollout")

        // The ~/.ssh/config form (Host 127.0.2.* / ProxyJump) reaches them too: rollback.
        let viaConfig = try inventory(lab, rewriting: { Self.withoutProxyJump($0) })
        try appendConfig(home, "Host 127.0.2.*\n    ProxyJump root@127.0.9.1:\(lab.hosts[0].port)\n")
        let rollback = try hotpatch(
            [
                "rollback", patch, "--waves", "100%", "--json", "-i", viaConfig, "--journal-dir",
                work + "/journal",
            ]
                + RolloutFixture.relaxedPause, lab: lab, home: home)
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        XCTAssertEqual(
            try JSONLines(rollback.stdout).named("reverted").count, lab.hosts.count, rollback.stdout)
        XCTAssertEqual(bastionLogins(lab) - loginsBefore, 2, "one more bastion session for the rollback")
    }

    func testAWrongBastionHostKeyRefusesEveryHostNamingTheBastion() throws {
        let lab = try fleet()
        let home = try homeWithBastionConfig(lab)
        // known_hosts with the bastion's entry holding another host's key.
        let lines = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8).split(separator: "\n")
        let otherKey = try XCTUnwrap(lines.first?.split(separator: " ").dropFirst().joined(separator: " "))
        let forged = lines.map {
            $0.hasPrefix("[127.0.9.1]:") ? "\($0.split(separator: " ")[0]) \(otherKey)" : String($0)
        }
        let knownHosts = work + "/known_hosts"
        try (forged.joined(separator: "\n") + "\n").write(
            toFile: knownHosts, atomically: true, encoding: .utf8)

        let loginsBefore = bastionLogins(lab)
        let result = try hotpatch(
            ["status", "--json", "-i", lab.inventoryPath], lab: lab, home: home, knownHosts: knownHosts)
        XCTAssertEqual(result.status, 6, result.stdout + result.stderr)
        let bastion =
            "through bastion root@127.0.9.1:\(lab.hosts[0].port): HOST KEY CHANGED for [127.0.9.1]:\(lab.hosts[0].port)"
        XCTAssertEqual(
            Self.hostLines(result.stdout, containing: bastion), lab.hosts.count,
            result.stdout + result.stderr)
        XCTAssertEqual(bastionLogins(lab), loginsBefore, "nothing logs in to a bastion whose key is wrong")
    }

    func testABastionThatBreaksMidRolloutFailsEveryHostBehindItNamingIt() throws {
        let lab = try fleet()
        let home = try homeWithBastionConfig(lab)
        let markers = lab.hosts.map { $0.privateVarTmp + "/bastion-check-running" }
        for marker in markers { try? FileManager.default.removeItem(atPath: marker) }
        defer { for marker in markers { try? FileManager.default.removeItem(atPath: marker) } }
        let loginsBefore = bastionLogins(lab)

        // The check holds every host's session open until the bastion's connection is cut.
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["SSH_AUTH_SOCK"] = nil
        let pid = try Subprocess.spawn(
            RolloutFixture.hotpatch,
            [
                "rollout", patch, "--waves", "100%", "-i", lab.inventoryPath, "--known-hosts",
                lab.knownHostsPath,
            ]
                + [
                    "--journal-dir", work + "/journal", "--check",
                    "touch /var/tmp/bastion-check-running; sleep 60",
                ]
                + RolloutFixture.relaxedPause,
            stdout: work + "/out", stderr: work + "/err", environment: environment)
        var exited = false
        defer { if !exited { Subprocess.terminate(pid) } }
        let deadline = Date().addingTimeInterval(90)
        while !markers.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
            XCTAssertLessThan(
                Date(), deadline,
                "the checks never started: "
                    + ((try? String(contentsOfFile: work + "/err", encoding: .utf8)) ?? ""))
            if Date() >= deadline { return }
            usleep(100_000)
        }
        try cutBastionConnections(lab)
        let status = Subprocess.wait(pid)
        exited = true

        let output = try String(contentsOfFile: work + "/out", encoding: .utf8)
        XCTAssertNotEqual(status, 0, output)
        let broken = "through bastion root@127.0.9.1:\(lab.hosts[0].port), whose connection broke"
        for host in lab.hosts {
            XCTAssertTrue(
                output.split(separator: "\n").contains { $0.hasPrefix(host.name) && $0.contains(broken) },
                "\(host.name) must fail naming the bastion: \(output)")
        }
        // The halted rollout reverts every host over a new bastion session.
        XCTAssertTrue(output.contains("\(lab.hosts.count) reverted"), output)
        XCTAssertEqual(bastionLogins(lab) - loginsBefore, 2, "the rollout's session, then the revert's")
    }

    func testAnUnknownBastionKeyIsRefusedThenRecordedUnderItsPortWithAcceptNew() throws {
        let lab = try fleet()
        let home = try homeWithBastionConfig(lab)
        let port = lab.hosts[0].port
        let lines = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8).split(separator: "\n")
        let knownHosts = work + "/known_hosts"
        let withoutBastion = lines.filter { !$0.hasPrefix("[127.0.9.1]:") }.joined(separator: "\n") + "\n"
        try withoutBastion.write(toFile: knownHosts, atomically: true, encoding: .utf8)

        let refused = try hotpatch(
            ["status", "-i", lab.inventoryPath], lab: lab, home: home, knownHosts: knownHosts)
        XCTAssertEqual(refused.status, 6, refused.stdout + refused.stderr)
        let unknown = "through bastion root@127.0.9.1:\(port): unknown host key for [127.0.9.1]:\(port)"
        XCTAssertEqual(
            Self.hostLines(refused.stdout, containing: unknown), lab.hosts.count,
            refused.stdout + refused.stderr)

        let accepted = try hotpatch(
            ["status", "-i", lab.inventoryPath, "--accept-new"], lab: lab, home: home, knownHosts: knownHosts)
        XCTAssertEqual(accepted.status, 0, accepted.stdout + accepted.stderr)
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        XCTAssertEqual(
            recorded.split(separator: "\n").filter { $0.hasPrefix("[127.0.9.1]:\(port) ssh-ed25519 ") }.count,
            1,
            recorded)
    }

    /// `-J bastion,lab-host-1`: the second hop is reached through the first, its key checked
    /// and logged into once for both hosts behind it.
    func testTwoHopsReachHostsBehindTheSecondHopWithOneSessionPerHop() throws {
        let lab = try fleet()
        let home = try homeWithBastionConfig(lab)
        let port = lab.hosts[0].port
        let key = lab.clientKeyPath
        try appendConfig(home, "Host 127.0.2.1\n    IdentityFile \(key)\n")
        let twoHops = try inventory(lab) { line in
            guard line.hasPrefix("lab-host-") else { return line }
            if line.hasPrefix("lab-host-1 ") { return "" }
            return Self.withoutProxyJump(line)
                + " ansible_ssh_extra_args='-J root@127.0.9.1:\(port),root@127.0.2.1:\(port)'"
        }
        let hop2Log = lab.hosts[0].directory + "/sshd.log"
        let hop2Before = Self.logins(in: hop2Log)
        let bastionBefore = bastionLogins(lab)
        let result = try hotpatch(["status", "--json", "-i", twoHops], lab: lab, home: home)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let reached = try JSONLines(result.stdout).all.filter { $0["reachable"] as? Bool == true }
        XCTAssertEqual(reached.count, lab.hosts.count - 1, result.stdout)
        XCTAssertEqual(bastionLogins(lab) - bastionBefore, 1, "one session to the first hop")
        XCTAssertEqual(Self.logins(in: hop2Log) - hop2Before, 1, "one session to the second hop")
    }

    // MARK: - Helpers

    private static func logins(in path: String) -> Int {
        let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return log.components(separatedBy: "Accepted publickey for root").count - 1
    }

    /// Kills the bastion's per-connection processes (the listener's children, found by the pid
    /// the lab recorded): every open bastion session breaks, the listener keeps listening.
    private func cutBastionConnections(_ lab: LabFleet) throws {
        let listener = try String(contentsOfFile: lab.bastionDirectory + "/listener.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try String(
            contentsOfFile: "/proc/\(listener)/task/\(listener)/children", encoding: .utf8)
        let pids = children.split(separator: " ").compactMap { Int32($0) }
        XCTAssertFalse(pids.isEmpty, "the bastion has no open connection to cut")
        for child in pids { kill(child, SIGKILL) }
    }

    /// Runs `hotpatch ARGS --known-hosts lab` with HOME set to `home` and no ssh-agent.
    private func hotpatch(_ arguments: [String], lab: LabFleet, home: String, knownHosts: String? = nil)
        throws -> ProgramResult
    {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["SSH_AUTH_SOCK"] = nil
        return try Subprocess.run(
            RolloutFixture.hotpatch, arguments + ["--known-hosts", knownHosts ?? lab.knownHostsPath],
            environment: environment)
    }

    /// A home folder whose `~/.ssh/config` has the lab's bastion block (user, port, key): jump
    /// hosts get their key from the config, as with ssh -J.
    private func homeWithBastionConfig(_ lab: LabFleet) throws -> String {
        let home = work + "/home"
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        let block = try String(contentsOfFile: lab.bastionDirectory + "/ssh_config", encoding: .utf8)
        try block.write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        return home
    }

    private func appendConfig(_ home: String, _ text: String) throws {
        let path = home + "/.ssh/config"
        let old = try String(contentsOfFile: path, encoding: .utf8)
        try (old + "\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A copy of the lab's inventory with each line rewritten.
    private func inventory(_ lab: LabFleet, rewriting: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
        let path = work + "/inventory-\(UUID().uuidString).ini"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            rewriting(String($0))
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static func withoutProxyJump(_ line: String) -> String {
        guard let range = line.range(of: " ansible_ssh_common_args=") else { return line }
        return String(line[..<range.lowerBound])
    }

    /// Logins the bastion's sshd accepted so far.
    private func bastionLogins(_ lab: LabFleet) -> Int {
        Self.logins(in: lab.bastionDirectory + "/sshd.log")
    }

    /// How many lines (one per host, in text or JSON output) mention `text`: a host's JSON line
    /// repeats its error in `problems`, so occurrences would count it twice.
    static func hostLines(_ output: String, containing text: String) -> Int {
        output.split(separator: "\n").filter { $0.contains(text) }.count
    }
}
