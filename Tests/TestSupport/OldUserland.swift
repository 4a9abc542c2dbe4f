import Foundation

/// The Debian 11 minbase root (glibc 2.31, OpenSSL 1.1, gcc 10) that proves the release agent
/// needs nothing from this machine: made once by `scripts/lib/old-userland` and cached outside
/// the repository. Programs run in it through ``run(_:)`` and ``spawn(_:stdout:stderr:)``: a
/// private mount namespace (`unshare --mount`) with this machine's `/proc` bind-mounted into the
/// root, then `chroot`. Only the launcher (unshare, mount, chroot) is this machine's; what it
/// execs comes from the root and loads the root's libraries.
public struct OldUserland: Sendable {
    /// The root's path on this machine.
    public let root: String

    /// The cached root, made now when missing (a minute or two: debootstrap downloads ~100 MB).
    public static func prepared() throws -> OldUserland {
        let result = try Subprocess.run(RepositoryPaths.path("scripts/lib/old-userland"))
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !path.isEmpty else {
            throw SubprocessError(
                description: "scripts/lib/old-userland exited \(result.status): \(result.stderr.suffix(2000))"
            )
        }
        return OldUserland(root: path)
    }

    /// The static release agent, `.build/dist/hotpatch-agent` (the test command builds it with
    /// `scripts/build-release --agent`; a filtered run that finds none builds it the same way).
    public static func releaseAgent() throws -> String {
        let agent = RepositoryPaths.path(".build/dist/hotpatch-agent")
        if !FileManager.default.isExecutableFile(atPath: agent) {
            let built = try Subprocess.run(
                RepositoryPaths.path("scripts/build-release"), ["--agent"],
                currentDirectory: RepositoryPaths.root.path
            )
            guard built.status == 0 else {
                throw SubprocessError(
                    description:
                        "scripts/build-release --agent exited \(built.status): \(built.stderr.suffix(2000))")
            }
        }
        return agent
    }

    /// A fresh, empty folder `/tmp/NAME-PID` inside the root; returns its path inside the root.
    /// Read and write it from this machine with ``outside(_:)``; remove it with ``remove(_:)``.
    public func makeFolder(_ name: String) throws -> String {
        let inside = "/tmp/\(name)-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: outside(inside))
        try FileManager.default.createDirectory(atPath: outside(inside), withIntermediateDirectories: true)
        return inside
    }

    /// Removes a folder made by ``makeFolder(_:)``.
    public func remove(_ inside: String) {
        try? FileManager.default.removeItem(atPath: outside(inside))
    }

    /// This machine's path of `inside`, a path as programs in the root see it.
    public func outside(_ inside: String) -> String { root + inside }

    /// Runs `argv` (paths as the root sees them) in the root to completion.
    @discardableResult
    public func run(_ argv: [String]) throws -> ProgramResult {
        try Subprocess.run("/usr/bin/unshare", launcher + argv, environment: Self.environment)
    }

    /// Starts `argv` in the root, stdout and stderr to files on this machine; returns its pid
    /// (the program's own: unshare, sh and chroot each exec the next), which the caller waits for.
    public func spawn(_ argv: [String], stdout: String, stderr: String) throws -> pid_t {
        try Subprocess.spawn(
            "/usr/bin/unshare", launcher + argv, stdout: stdout, stderr: stderr, environment: Self.environment
        )
    }

    /// `unshare --mount` (private propagation: the bind mount never reaches this machine and
    /// vanishes with the program), bind /proc, then chroot.
    private var launcher: [String] {
        [
            "--mount", "--propagation", "private", "/bin/sh", "-c",
            #"mount --bind /proc "$0/proc" && exec /usr/sbin/chroot "$0" "$@""#, root,
        ]
    }

    /// A plain environment: nothing of this machine's (library paths, toolchain) leaks in.
    private static let environment = [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "HOME": "/root",
    ]
}
