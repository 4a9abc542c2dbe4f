import Foundation
import TestSupport
import XCTest

/// What the fault tests share: the coordinator as a background process that can be SIGKILLed
/// at a chosen event, the agents' own journals as the ground truth of what happened on each
/// host, and ways to break one lab host from outside (its sshd, its mounts) and mend it.
enum FaultLab {
    /// `hotpatch ARGS` started in the background with stdout (JSON Lines) on a pipe.
    final class Coordinator {
        let process = Process()
        private let pipe = Pipe()
        /// Every line read so far.
        private(set) var lines: [String] = []

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: RolloutFixture.hotpatch)
            process.arguments = arguments
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Reads events until `stop` says so (then returns true) or the output ends (false).
        func read(until stop: ([String: Any]) throws -> Bool) throws -> Bool {
            for line in LineReader(pipe.fileHandleForReading) {
                lines.append(line)
                if try stop(try JSONLines(line).all[0]) { return true }
            }
            return false
        }

        /// Reads to the end of the output and waits for the exit; returns the exit status.
        @discardableResult
        func finish() throws -> Int32 {
            _ = try read { _ in false }
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// SIGKILL, then wait: the coordinator gets no chance to tidy up.
        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// The rollout id from the first event.
        var rollout: String? {
            lines.first.flatMap { try? JSONLines($0).all.first?["rollout"] as? String }
        }

        /// Everything read so far, parsed.
        func events() throws -> JSONLines { try JSONLines(lines.joined(separator: "\n")) }
    }

    /// Lines of `host`'s agent journal whose outcome is `outcome` (`applied`, `reverted`).
    static func agentJournalCount(_ host: LabHost, outcome: String) -> Int {
        let text =
            (try? String(contentsOfFile: host.privateVarLibHotpatch + "/journal.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains(" outcome=\(outcome)") }.count
    }

    /// Per host (inventory name), the patches `hotpatch status --json` finds in place, read
    /// from the processes' memory; nil for a host status could not reach.
    static func patchesInPlace(_ lab: LabFleet) throws -> [String: [String]?] {
        let status = try RolloutFixture.run([
            "status", "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--json",
        ])
        var result: [String: [String]?] = [:]
        for host in try JSONLines(status.stdout).all {
            let name = host["host"] as? String ?? "?"
            if host["reachable"] as? Bool == true {
                result[name] = ((host["patchesInPlace"] as? [String: Any]) ?? [:]).keys.sorted()
            } else {
                result[name] = .some(nil)
            }
        }
        return result
    }

    /// Hosts whose service (the process being patched) is gone or a zombie: a fault must
    /// never cost the target its life.
    static func hostsWithDeadService(_ lab: LabFleet) -> [String] {
        lab.hosts.filter { host in
            guard let pid = lab.servicePidOnThisMachine(host),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let state = stat.split(separator: ")").last?.split(separator: " ").first
            else { return true }
            return state == "Z" || state == "X"
        }.map(\.name)
    }

    /// The outcome status (`patched`, `failed`, `unreachable`, ...) of every `applied` event.
    static func appliedStatus(_ events: JSONLines) -> [String: String] {
        var byHost: [String: String] = [:]
        for event in events.named("applied") {
            byHost[event["host"] as? String ?? "?"] =
                (event["outcome"] as? [String: Any])?["status"] as? String ?? "?"
        }
        return byHost
    }

    /// The `message` of `host`'s `applied` event.
    static func appliedMessage(_ events: JSONLines, host: String) -> String {
        let event = events.named("applied").last { $0["host"] as? String == host }
        return (event?["outcome"] as? [String: Any])?["message"] as? String ?? ""
    }

    /// The pids, on this machine, of every process of `host` (its PID namespace) whose command
    /// name starts with one of `prefixes`. Found by namespace and name together, never by a
    /// name alone, so nothing outside the host is touched.
    static func hostProcesses(_ lab: LabFleet, _ host: LabHost, named prefixes: [String]) -> [Int32] {
        guard let initPid = lab.initPid(host),
            let namespace = try? FileManager.default.destinationOfSymbolicLink(
                atPath: "/proc/\(initPid)/ns/pid")
        else { return [] }
        var found: [Int32] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != initPid,
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/ns/pid"))
                    == namespace,
                let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8)
            else { continue }
            if prefixes.contains(where: { comm.hasPrefix($0) }) { found.append(pid) }
        }
        return found
    }

    /// Sends `signal` to every sshd process of `host` (listener and sessions) plus any
    /// processes named in `also`; returns how many were signalled.
    @discardableResult
    static func signalSSHD(_ lab: LabFleet, _ host: LabHost, _ signal: Int32, also: [String] = []) -> Int {
        let pids = hostProcesses(lab, host, named: ["sshd"] + also)
        for pid in pids { kill(pid, signal) }
        return pids.count
    }

    /// Runs `argv` inside `host`'s mount, PID and UTS namespaces (as its own root would).
    static func inHost(_ lab: LabFleet, _ host: LabHost, _ argv: [String]) throws -> ProgramResult {
        let initPid = try XCTUnwrap(lab.initPid(host), "\(host) has no init pid")
        return try Subprocess.run("/usr/bin/nsenter", ["-t", String(initPid), "-m", "-p", "-u", "--"] + argv)
    }

    /// Starts `host`'s sshd again (daemonized inside the host, so the host's init reaps it and
    /// `scripts/lab down` takes it down with the host) and waits until it logs us in.
    static func startSSHD(_ lab: LabFleet, _ host: LabHost) throws {
        let started = try inHost(
            lab, host,
            ["/usr/sbin/sshd", "-f", host.directory + "/sshd_config", "-E", host.directory + "/sshd.log"])
        XCTAssertEqual(started.status, 0, "restarting sshd on \(host): \(started.stderr)")
        for _ in 0..<200 {
            if (try? lab.run("true", on: host))?.status == 0 { return }
            usleep(50_000)
        }
        XCTFail("sshd on \(host) did not come back")
    }

    /// `host`'s upload folder as this machine sees it (`/var/tmp/hotpatch-root` on the host).
    static func uploadFolder(_ host: LabHost) -> String { host.privateVarTmp + "/hotpatch-root" }

    /// Every file in `host`'s upload folder under its final, content-addressed name holds
    /// exactly the content its name claims (`<sha256>-<name>`); returns the names that do not.
    static func filesNotMatchingTheirName(_ host: LabHost) throws -> [String] {
        let folder = uploadFolder(host)
        var wrong: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where !name.hasPrefix(".") {
            let result = try Subprocess.run("/usr/bin/sha256sum", ["--", folder + "/" + name])
            if !name.hasPrefix(String(result.stdout.prefix(64))) || result.stdout.count < 64 {
                wrong.append(name)
            }
        }
        return wrong
    }

    /// The common rollout arguments for `lab`: inventory, known_hosts, journal, JSON, pause.
    static func arguments(_ lab: LabFleet, journal: String) -> [String] {
        ["-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--journal-dir", journal, "--json"]
            + RolloutFixture.relaxedPause
    }
}
