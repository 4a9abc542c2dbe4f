import Foundation

/// A running lab fleet (`scripts/lab`) for integration tests: N fake hosts on this machine, each
/// with its own loopback address, sshd, hostname, private `/root`, `/var/tmp`,
/// `/var/lib/hotpatch`, `/etc/hotpatch` and its own parity service.
///
/// Typical use, one lab per test class (bringing one up costs seconds, not milliseconds):
///
///     final class RolloutLabTests: XCTestCase {
///         nonisolated(unsafe) static var lab: LabFleet?
///         override class func setUp() { lab = try? LabFleet.up(hosts: 5, name: "RolloutLabTests") }
///         override class func tearDown() { try? lab?.down(); lab = nil }
///         func testSomething() throws {
///             let lab = try XCTUnwrap(Self.lab, "the lab did not come up; see the class's setUp")
///             let result = try lab.run("hostname", on: lab.hosts[0])
///         }
///     }
///
/// or, for a single test, `try LabFleet.with(hosts: 3, name: "OneTest") { lab in ... }`, which
/// tears the lab down whatever the body does. Each `name` gets its own directory and port, so
/// test classes never collide, and `up` first clears whatever a crashed earlier run of the same
/// name left behind (`scripts/lab up --force`).
///
/// Requires root (namespaces, bind mounts, sshd). Everything is a real process; nothing is mocked.
public final class LabFleet: Sendable {
    /// The parity variant each host runs (`scripts/lab up --service`).
    public enum Service: String, Sendable {
        /// `parity-v1`, the classifier linked into the executable.
        case exe
        /// `parity-lib` with libparity v1, the classifier in a shared library.
        case lib
        /// No service: sshd only.
        case none
    }

    /// A `scripts/lab` command that failed; says which, in which directory, and its output.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed and what to look at next.
        public let description: String
    }

    /// The lab directory (`--dir`).
    public let directory: String
    /// Every host, in inventory order (`hosts[0]` is `lab-host-1`).
    public let hosts: [LabHost]
    /// The service the hosts run.
    public let service: Service

    /// The Ansible INI inventory: group `lab`, `ansible_host`, `ansible_port`, `ansible_user=root`,
    /// `ansible_ssh_private_key_file`.
    public var inventoryPath: String { directory + "/inventory.ini" }
    /// Every host's ed25519 key, as `address` or `[address]:port`.
    public var knownHostsPath: String { directory + "/known_hosts" }
    /// The private key root on every host accepts (public half at `clientKeyPath + ".pub"`).
    public var clientKeyPath: String { directory + "/client_key" }

    /// A `--behind-bastion` lab's bastion: `sshd.log` (one `Accepted publickey` line per login),
    /// `ssh_config` (its `Host` block with the lab's key).
    public var bastionDirectory: String { directory + "/bastion" }

    /// The script this helper drives.
    public static let script = RepositoryPaths.path("scripts/lab")

    private init(directory: String, hosts: [LabHost], service: Service) {
        self.directory = directory
        self.hosts = hosts
        self.service = service
    }

    /// Where the lab called `name` lives: `$TMPDIR/hotpatch-labs/<name>`.
    public static func directory(for name: String) -> String {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        return NSTemporaryDirectory() + "hotpatch-labs/" + safe
    }

    /// A port for the lab called `name`, stable across runs and different between names (FNV-1a,
    /// not `hashValue`, which changes every run): labs of different test classes can then be up
    /// at the same time on the same loopback addresses.
    public static func port(for name: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return 22000 + Int(hash % 2000)
    }

    /// Brings up a lab of `hosts` hosts (replacing any lab left in its directory) and returns
    /// once every host answers over SSH. On failure the lab is already down again.
    /// `behindBastion`: the hosts are reachable only through the lab's bastion
    /// (`scripts/lab up --behind-bastion`; see `bastionDirectory`).
    /// `oldUserlandHosts`: the last that many hosts run on the Debian 11 root (see
    /// ``OldUserland``), and every host runs the parity service built there.
    public static func up(
        hosts count: Int, name: String, port: Int? = nil, service: Service = .exe,
        threads: Int? = nil, delayMicroseconds: Int? = nil, privateService: Bool = false,
        behindBastion: Bool = false, oldUserlandHosts: Int = 0
    ) throws -> LabFleet {
        let directory = Self.directory(for: name)
        var arguments = [
            "up", String(count), "--force", "--dir", directory,
            "--port", String(port ?? Self.port(for: name)), "--service", service.rawValue,
        ]
        if let threads { arguments += ["--threads", String(threads)] }
        if let delayMicroseconds { arguments += ["--delay-us", String(delayMicroseconds)] }
        // Each host its own copy of the service's folder, so installing a file there touches one host.
        if privateService { arguments.append("--private-service") }
        if behindBastion { arguments.append("--behind-bastion") }
        if oldUserlandHosts > 0 { arguments += ["--old-userland-hosts", String(oldUserlandHosts)] }
        try runScript(arguments, directory: directory)
        let hosts = try readInventory(directory: directory)
        guard hosts.count == count else {
            _ = try? runScript(["down", "--dir", directory], directory: directory)
            throw Failure(
                description: "lab in \(directory): asked for \(count) hosts, inventory lists \(hosts.count)")
        }
        return LabFleet(directory: directory, hosts: hosts, service: service)
    }

    /// Runs `body` with a fresh lab and takes it down afterwards, even when `body` throws.
    public static func with<T>(
        hosts count: Int, name: String, service: Service = .exe, _ body: (LabFleet) throws -> T
    ) throws -> T {
        let lab = try up(hosts: count, name: name, service: service)
        defer { try? lab.down(purge: true) }
        return try body(lab)
    }

    /// Takes the lab down: every host's namespace is killed and waited for. Safe to call again.
    /// `purge` also removes the directory (logs included); without it they stay for a post-mortem.
    public func down(purge: Bool = false) throws {
        try Self.runScript(["down", "--dir", directory] + (purge ? ["--purge"] : []), directory: directory)
    }

    /// `scripts/lab status`: one line per host with its address, init pid, sshd and service state.
    public func status() throws -> String {
        try Self.runScript(["status", "--dir", directory], directory: directory).stdout
    }

    /// The ssh arguments (without the remote command) that reach `host` as root with the lab's
    /// key, checking its host key against the lab's known_hosts only.
    public func sshArguments(for host: LabHost) -> [String] {
        [
            "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=\(knownHostsPath)", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
            "-i", clientKeyPath, "-p", String(host.port), "root@\(host.address)",
        ]
    }

    /// Runs `command` on `host` through the system ssh client. ssh hands `command` to root's
    /// shell on the host, so quote it as for `sh -c`. Nonzero exits are returned, not thrown.
    public func run(_ command: String, on host: LabHost) throws -> ProgramResult {
        try Subprocess.run("/usr/bin/ssh", sshArguments(for: host) + ["--", command])
    }

    /// The service's output on `host` so far.
    public func parityLog(of host: LabHost) -> String {
        (try? String(contentsOfFile: host.parityLogPath, encoding: .utf8)) ?? ""
    }

    /// The service's pid as the host itself sees it (what the agent on the host works with).
    public func servicePidInHost(_ host: LabHost) -> Int32? {
        Self.readPid(host.directory + "/service.pid")
    }

    /// The service's pid as this machine sees it (for tests that look from outside the host).
    public func servicePidOnThisMachine(_ host: LabHost) -> Int32? {
        Self.readPid(host.directory + "/service.hostpid")
    }

    /// The pid, on this machine, of `host`'s init: PID 1 of its namespace.
    public func initPid(_ host: LabHost) -> Int32? {
        Self.readPid(host.directory + "/init.pid")
    }

    /// `scripts/lab restart-service`: the host's init stops the service and starts it again from
    /// the file on disk; returns once the new service runs (its pids are then recorded).
    public func restartService(of host: LabHost) throws {
        try Self.runScript(["restart-service", host.name, "--dir", directory], directory: directory)
    }

    /// Kills `host`'s sshd listener, found by its exact command line (never by a broad name), so
    /// the host stays up but stops answering SSH: an unreachable host for rollout tests.
    public func stopSSHD(of host: LabHost) throws {
        let wanted = "-f \(host.directory)/sshd_config"
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry),
                let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let commandLine = String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            if commandLine.contains("sshd -D"), commandLine.contains(wanted) { kill(pid, SIGKILL) }
        }
    }

    private static func readPid(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @discardableResult
    private static func runScript(_ arguments: [String], directory: String) throws -> ProgramResult {
        let result = try Subprocess.run(script, arguments)
        guard result.status == 0 else {
            throw Failure(
                description: "scripts/lab \(arguments.joined(separator: " ")) exited \(result.status): "
                    + "\(result.stderr.isEmpty ? result.stdout : result.stderr)"
                    + "(per-host logs: \(directory)/hosts/<name>/init.log and sshd.log)")
        }
        return result
    }

    /// The hosts, read back from the inventory `up` wrote (so tests see what hotpatch sees).
    private static func readInventory(directory: String) throws -> [LabHost] {
        let path = directory + "/inventory.ini"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "lab up succeeded but \(path) is unreadable")
        }
        var hosts: [LabHost] = []
        for line in text.split(separator: "\n") where line.hasPrefix("lab-host-") {
            let fields = line.split(separator: " ")
            var variables: [Substring: Substring] = [:]
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { variables[pair[0]] = pair[1] }
            }
            let name = String(fields[0])
            guard let address = variables["ansible_host"],
                let port = variables["ansible_port"].flatMap({ Int($0) }),
                let index = Int(name.dropFirst("lab-host-".count))
            else { throw Failure(description: "\(path): cannot read the host line '\(line)'") }
            hosts.append(
                LabHost(
                    index: index, name: name, address: String(address), port: port,
                    directory: directory + "/hosts/" + name))
        }
        return hosts
    }
}
