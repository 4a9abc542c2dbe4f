import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real OpenSSH server for one test, on a loopback address of the test's choosing: its own
/// temporary folder, its own ed25519 host key, a client ed25519 key that is authorized, and
/// an sshd that is stopped (and the folder removed) on every path by `with`.
public final class SSHServerFixture: @unchecked Sendable {
    // @unchecked Sendable: `process` is set in `start` and cleared in `stop`, both called by
    // the one test that owns the fixture, never concurrently.

    /// The loopback address sshd listens on (127.x.y.z).
    public let address: String
    /// The port sshd listens on.
    public let port: Int
    /// The fixture's private folder (keys, config, logs, known_hosts files).
    public let directory: String
    /// The private key the server authorizes (ed25519, no passphrase).
    public let clientKey: String
    /// The server's host key as `type base64`, the tail of a known_hosts line.
    public let hostKeyLine: String
    /// The local (and therefore remote) user name.
    public let user: String

    private var process: pid_t?

    /// Creates the keys and configuration (nothing runs yet). `extraConfig` lines are added to
    /// sshd_config.
    public init(address: String, port: Int, extraConfig: [String] = []) throws {
        self.address = address
        self.port = port
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hotpatch-sshd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
        let hostKey = directory + "/host_ed25519"
        try SSHServerFixture.generateKey(type: "ed25519", at: hostKey)
        clientKey = directory + "/client_ed25519"
        try SSHServerFixture.generateKey(type: "ed25519", at: clientKey)
        hostKeyLine = try SSHServerFixture.publicKeyLine(hostKey + ".pub")
        try authorize(publicKeyOf: clientKey)
        let config = [
            "ListenAddress \(address):\(port)",
            "HostKey \(hostKey)",
            "PidFile \(directory)/sshd.pid",
            "AuthorizedKeysFile \(directory)/authorized_keys",
            "UsePAM no",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            "MaxStartups 100",
            "MaxSessions 50",
            "Subsystem sftp internal-sftp",
            "LogLevel VERBOSE",
        ] + extraConfig
        try (config.joined(separator: "\n") + "\n").write(
            toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
    }

    /// Creates a fixture, starts sshd, runs `body`, and always stops sshd and deletes the folder.
    public static func with<T>(
        address: String, port: Int, extraConfig: [String] = [], _ body: (SSHServerFixture) throws -> T
    ) throws -> T {
        let fixture = try SSHServerFixture(address: address, port: port, extraConfig: extraConfig)
        defer { fixture.stop(removingFiles: true) }
        try fixture.start()
        return try body(fixture)
    }

    /// Starts sshd in the foreground (`-D`) and waits until it listens.
    public func start() throws {
        // Privilege separation needs this folder; a fresh container may not have it.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let log = directory + "/sshd.log"
        let pid = try SpawnedTool.spawn(
            "/usr/sbin/sshd", ["-D", "-e", "-f", directory + "/sshd_config"], stdout: "/dev/null", stderr: log)
        process = pid
        for _ in 0..<400 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("Server listening on") {
                return
            }
            if SpawnedTool.hasExited(pid) {
                process = nil
                break
            }
            usleep(25_000)
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        stop(removingFiles: false)
        throw SSHFixtureError("sshd on \(address):\(port) did not start: \(text)")
    }

    /// Stops sshd (SIGTERM, then waits for it) and optionally deletes the fixture's folder.
    public func stop(removingFiles: Bool = false) {
        if let pid = process {
            process = nil
            SpawnedTool.terminate(pid)
        }
        if removingFiles { try? FileManager.default.removeItem(atPath: directory) }
    }

    deinit { stop() }

    /// The name known_hosts uses for this server (`[address]:port`, or the bare address on 22).
    public var knownHostsName: String { port == 22 ? address : "[\(address)]:\(port)" }

    /// Writes a known_hosts file holding `lines` and returns its path.
    public func writeKnownHosts(_ lines: [String], name: String = "known_hosts") throws -> String {
        let path = directory + "/" + name
        try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Creates a new key pair (no passphrase) in the fixture folder and returns its private path.
    public func newKey(type: String, name: String, authorized: Bool) throws -> String {
        let path = directory + "/" + name
        try SSHServerFixture.generateKey(type: type, at: path)
        if authorized { try authorize(publicKeyOf: path) }
        return path
    }

    /// Appends the `.pub` of `privateKey` to the server's authorized_keys.
    public func authorize(publicKeyOf privateKey: String) throws {
        let line = try SSHServerFixture.publicKeyLine(privateKey + ".pub") + "\n"
        let path = directory + "/authorized_keys"
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }

    /// What sshd logged so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? "" }

    private static func generateKey(type: String, at path: String) throws {
        let result = try SpawnedTool.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "hotpatch-test-\(type)", "-f", path])
        guard result.status == 0 else { throw SSHFixtureError("ssh-keygen -t \(type) failed: \(result.stderr)") }
    }

    private static func publicKeyLine(_ pubPath: String) throws -> String {
        let words = try String(contentsOfFile: pubPath, encoding: .utf8).split(separator: " ")
        guard words.count >= 2 else { throw SSHFixtureError("\(pubPath) is not a public key") }
        return "\(words[0]) \(words[1])"
    }
}

/// Runs programs with posix_spawn and waitpid on their own pid. Foundation's `Process` was seen
/// here to miss the exit of a short-lived child (a `ssh-keygen` zombie, `waitUntilExit` never
/// returning) while another child (sshd) ran, so the SSH fixtures do not use it.
public enum SpawnedTool {
    /// Starts `path` with `arguments`, stdout and stderr going to the given files (created or
    /// truncated), stdin from /dev/null; returns its pid. `environment` nil inherits ours.
    public static func spawn(
        _ path: String, _ arguments: [String], stdout: String, stderr: String, environment: [String: String]? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, env)
        guard rc == 0 else { throw SSHFixtureError("cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Runs `path` to completion and returns its status and output.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> ProgramResult
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pid = try spawn(path, arguments, stdout: folder + "/out", stderr: folder + "/err", environment: environment)
        let status = wait(pid)
        return ProgramResult(
            status: status, stdout: (try? String(contentsOfFile: folder + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: folder + "/err", encoding: .utf8)) ?? "")
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// True once `pid` has exited (and reaps it).
    public static func hasExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// SIGTERM, then waits for the exit.
    public static func terminate(_ pid: pid_t) {
        kill(pid, SIGTERM)
        wait(pid)
    }
}

/// A TCP listener that accepts connections into its backlog and never says a word: what a
/// hung sshd looks like to a client. Closed on `close` or deinit.
public final class SilentListener: @unchecked Sendable {
    // @unchecked Sendable: the descriptor is written in init and in close only.
    private var descriptor: Int32

    /// Listens on `address:port` with the given backlog.
    public init(address: String, port: Int, backlog: Int32 = 16) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SSHFixtureError("socket failed") }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, address, &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, backlog) == 0 else {
            Glibc.close(descriptor)
            throw SSHFixtureError("cannot listen on \(address):\(port): \(String(cString: strerror(errno)))")
        }
    }

    /// Stops listening.
    public func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    deinit { close() }
}

/// A test fixture that could not be set up.
public struct SSHFixtureError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// Wraps a message.
    public init(_ description: String) { self.description = description }
}
