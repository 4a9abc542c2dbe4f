import Foundation
import TestSupport
import XCTest

/// The lab fleet as its users see it: `scripts/lab up 20`, then SSH into every host with the
/// generated key and known_hosts; each host has its own name, processes, directories and
/// service. `down` leaves nothing behind and can be repeated.
final class LabFleetTests: XCTestCase {
    /// One 20-host lab shared by the tests that only look at it (bringing it up costs seconds).
    nonisolated(unsafe) private static var shared: Result<LabFleet, any Error>?

    override class func setUp() {
        super.setUp()
        shared = Result { try LabFleet.up(hosts: 20, name: "LabFleetTests") }
    }

    override class func tearDown() {
        if case .success(let lab)? = shared { try? lab.down(purge: true) }
        shared = nil
        super.tearDown()
    }

    private func lab() throws -> LabFleet {
        try XCTUnwrap(Self.shared, "class setUp did not run").get()
    }

    func testEveryHostAnswersOverSSHWithItsOwnNameAndOnlyItsOwnProcesses() throws {
        let lab = try lab()
        let outputs = try onEveryHost(lab) { try lab.run("hostname; echo ---; ps -eo pid=,args=", on: $0) }
        for (host, result) in zip(lab.hosts, outputs) {
            XCTAssertEqual(result.status, 0, "\(host): \(result.stderr)")
            let parts = result.stdout.components(separatedBy: "---\n")
            XCTAssertEqual(parts.first?.trimmingCharacters(in: .whitespacesAndNewlines), host.name)
            let processes = (parts.last ?? "").split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            // PID 1 is this host's own init; its sshd and its one service are there.
            XCTAssertTrue(
                processes.contains {
                    $0.hasPrefix("1 ") && $0.contains("lab-host-init.sh \(host.directory)")
                },
                "\(host): PID 1 is not its init: \(processes)")
            XCTAssertEqual(processes.filter { $0.contains("sshd_config") }.count, 1, "\(host): \(processes)")
            XCTAssertEqual(processes.filter { $0.contains("parity-v1") }.count, 1, "\(host): \(processes)")
            // Nothing of any other host, and nothing of this machine: init, sshd (listener and
            // this session), the service, the session's shell and ps. No host sees 20 services.
            for line in processes where line.contains("/hosts/lab-host-") {
                XCTAssertTrue(
                    line.contains(host.directory + "/") || line.hasSuffix(host.directory),
                    "\(host) sees \(line)")
            }
            XCTAssertLessThanOrEqual(
                processes.count, 8, "\(host) sees more than its own processes: \(processes)")
        }
    }

    func testPrivateDirectoriesBelongToOneHostOnly() throws {
        let lab = try lab()
        let (first, second) = (lab.hosts[0], lab.hosts[1])
        let marker = "lab-test-marker-\(ProcessInfo.processInfo.processIdentifier)"
        let write = try lab.run(
            "echo \(first.name) > /var/lib/hotpatch/\(marker) && echo x > /var/tmp/\(marker) && echo x > /etc/hotpatch/\(marker) && ls /root/.ssh/authorized_keys",
            on: first)
        XCTAssertEqual(write.status, 0, write.stderr)
        defer {
            for dir in [first.privateVarLibHotpatch, first.privateVarTmp, first.privateEtcHotpatch] {
                try? FileManager.default.removeItem(atPath: dir + "/" + marker)
            }
        }
        // It landed in the first host's own directories, not on the real filesystem...
        XCTAssertEqual(
            try String(contentsOfFile: first.privateVarLibHotpatch + "/" + marker, encoding: .utf8),
            "\(first.name)\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.privateVarTmp + "/" + marker))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/lib/hotpatch/" + marker))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/tmp/" + marker))
        // ...and another host does not see it.
        let look = try lab.run(
            "ls /var/lib/hotpatch/\(marker) /var/tmp/\(marker) /etc/hotpatch/\(marker) 2>&1; echo status=$?",
            on: second)
        XCTAssertTrue(look.stdout.contains("No such file"), look.stdout)
        XCTAssertFalse(look.stdout.contains("status=0"), look.stdout)
    }

    func testEveryServiceWritesItsOwnLog() throws {
        let lab = try lab()
        for host in lab.hosts {
            let pid = try XCTUnwrap(lab.servicePidInHost(host), "\(host): no service.pid")
            // The service prints a line per second; wait for the first one (the machine is busy).
            let line = try waitForLine(in: host, of: lab, startingWith: "parity variant=exe")
            XCTAssertTrue(line.contains(" pid=\(pid) "), "\(host): the log is not its own service's: \(line)")
        }
    }

    func testStatusShowsEveryHostAliveAndUpRefusesARunningLab() throws {
        let lab = try lab()
        let status = try lab.status()
        for host in lab.hosts {
            let line = try XCTUnwrap(
                status.split(separator: "\n").first { $0.hasPrefix(host.name + " ") },
                "\(host) missing: \(status)")
            XCTAssertTrue(line.contains(host.address), String(line))
            XCTAssertTrue(line.contains(" alive ") && line.hasSuffix(" alive"), "\(host) not alive: \(line)")
        }
        XCTAssertTrue(status.contains("20 of 20 hosts have a live sshd"), status)

        let again = try Subprocess.run(LabFleet.script, ["up", "2", "--dir", lab.directory])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already up"), again.stderr)
    }

    func testDownLeavesNoLabProcessBehindAndIsIdempotent() throws {
        let lab = try LabFleet.up(hosts: 3, name: "LabFleetTests-down")
        var purged = false
        defer { if !purged { try? lab.down(purge: true) } }
        let namespaces = Set(
            lab.hosts.compactMap { lab.initPid($0) }.compactMap(ProcessTable.pidNamespace(of:)))
        XCTAssertEqual(namespaces.count, 3, "each host has its own PID namespace")
        // Every process of the lab: recorded pids and everything inside the hosts' namespaces.
        var recorded = lab.hosts.flatMap { host in
            ["init.pid", "unshare.pid", "service.hostpid"].compactMap {
                ProcessTable.readPid(host.directory + "/" + $0)
            }
        }
        recorded += ProcessTable.readPid(lab.directory + "/keeper.pid").map { [$0] } ?? []
        let before = ProcessTable.identities(of: recorded + ProcessTable.pids(inNamespaces: namespaces))
        XCTAssertGreaterThanOrEqual(before.count, 3 * 4 + 1, "keeper + 3 x (unshare, init, sshd, service)")

        try lab.down()

        // A pid may be reused: "still there" means same pid and same start time, not a zombie.
        let survivors = before.filter { ProcessTable.isAlive($0) }
        XCTAssertTrue(survivors.isEmpty, "lab processes alive after down: \(survivors)")
        let pointingIntoLab = ProcessTable.livePids().filter { pid in
            ProcessTable.cwd(of: pid)?.hasPrefix(lab.directory) == true
                || ProcessTable.commandLine(of: pid).contains(lab.directory)
        }
        XCTAssertEqual(pointingIntoLab, [], "processes still pointing into \(lab.directory)")
        XCTAssertEqual(
            ProcessTable.pids(inNamespaces: namespaces), [], "processes left in the hosts' namespaces")

        try lab.down()
        XCTAssertTrue(try lab.status().contains("no lab is up"))
        try lab.down(purge: true)
        purged = true
        XCTAssertFalse(FileManager.default.fileExists(atPath: lab.directory))
    }

    // MARK: helpers

    /// Runs `body` for every host concurrently (20 SSH handshakes one after another are slow on
    /// a busy machine) and returns the results in host order.
    private func onEveryHost(
        _ lab: LabFleet, _ body: @Sendable (LabHost) throws -> ProgramResult
    ) throws -> [ProgramResult] {
        let results = ResultSlots(count: lab.hosts.count)
        DispatchQueue.concurrentPerform(iterations: lab.hosts.count) { index in
            results.set(index, Result { try body(lab.hosts[index]) })
        }
        return try results.values().map { try $0.get() }
    }

    private func waitForLine(in host: LabHost, of lab: LabFleet, startingWith prefix: String) throws -> String
    {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let line = lab.parityLog(of: host).split(separator: "\n").first(where: { $0.hasPrefix(prefix) }
            ) {
                return String(line)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw WaitFailure(
            description: "\(host): no line starting with '\(prefix)' in \(host.parityLogPath) within 60 s; "
                + "it holds: \(lab.parityLog(of: host).suffix(300))")
    }
}

private struct WaitFailure: Error, CustomStringConvertible {
    let description: String
}

/// Results written by concurrent workers, one slot each; the lock makes the writes safe.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<ProgramResult, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<ProgramResult, any Error>) {
        lock.withLock { slots[index] = value }
    }
    func values() -> [Result<ProgramResult, any Error>] { lock.withLock { slots.map { $0! } } }
}

/// A process as /proc tells it apart from a later one that reuses its pid.
private struct ProcessIdentity: Hashable, CustomStringConvertible {
    let pid: Int32
    let startTime: String
    let commandLine: String
    var description: String { "\(pid) (\(commandLine))" }
}

/// Reads this machine's /proc, from outside every lab host.
private enum ProcessTable {
    static func readPid(_ path: String) -> Int32? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Every pid in /proc (zombies included).
    static func allPids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }

    /// Pids of processes that exist and are not zombies. Zombies are not running: this machine's
    /// PID 1 does not reap orphans, so the lab's keeper stays one after `down`.
    static func livePids() -> [Int32] { allPids().filter { state(of: $0).map { $0 != "Z" } ?? false } }

    /// The process state letter and start time from /proc/PID/stat (after the command name).
    static func stat(of pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func state(of pid: Int32) -> String? { stat(of: pid).map { String($0[0]) } }

    static func pidNamespace(of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/pid")
    }

    static func pids(inNamespaces namespaces: Set<String>) -> [Int32] {
        livePids().filter { pidNamespace(of: $0).map(namespaces.contains) ?? false }
    }

    static func cwd(of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
    }

    static func commandLine(of pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    static func identities(of pids: [Int32]) -> Set<ProcessIdentity> {
        Set(
            pids.compactMap { pid in
                // Field 22 of stat is the start time; index 19 after the command name.
                guard let fields = stat(of: pid), fields.count > 19 else { return nil }
                return ProcessIdentity(
                    pid: pid, startTime: String(fields[19]), commandLine: commandLine(of: pid))
            })
    }

    /// Still running: the same pid with the same start time, and not a zombie.
    static func isAlive(_ process: ProcessIdentity) -> Bool {
        guard let fields = stat(of: process.pid), fields.count > 19 else { return false }
        return fields[0] != "Z" && fields[19] == process.startTime
    }
}
