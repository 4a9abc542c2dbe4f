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
        directory =
            FileManager.default.temporaryDirectory
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
        let config =
            [
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
        let pid = try Subprocess.spawn(
            "/usr/sbin/sshd", ["-D", "-e", "-f", directory + "/sshd_config"], stdout: "/dev/null", stderr: log
        )
        process = pid
        for _ in 0..<400 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
                text.contains("Server listening on")
            {
                return
            }
            if Subprocess.hasExited(pid) {
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
            Subprocess.terminate(pid)
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
            _ = FileManager.default.createFile(
                atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }

    /// What sshd logged so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? "" }

    private static func generateKey(type: String, at path: String) throws {
        let result = try Subprocess.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "hotpatch-test-\(type)", "-f", path])
        guard result.status == 0 else {
            throw SSHFixtureError("ssh-keygen -t \(type) failed: \(result.stderr)")
        }
    }

    private static func publicKeyLine(_ pubPath: String) throws -> String {
        let words = try String(contentsOfFile: pubPath, encoding: .utf8).split(separator: " ")
        guard words.count >= 2 else { throw SSHFixtureError("\(pubPath) is not a public key") }
        return "\(words[0]) \(words[1])"
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
