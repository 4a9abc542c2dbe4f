import ArgumentParser
import Fleet
import Foundation

/// How hosts are reached and what is run there: host keys, timeouts, concurrency, the agent.
struct ConnectionOptions: ParsableArguments {
    /// The known_hosts file.
    @Option(help: "known_hosts file to verify host keys against (default: ~/.ssh/known_hosts).")
    var knownHosts: String?

    /// Trust-on-first-use.
    @Flag(help: "Trust and record keys of hosts not in known_hosts yet (a changed key still fails).")
    var acceptNew = false

    /// TCP connect and handshake deadline.
    @Option(help: "Longest wait for a host to answer and log us in (e.g. 10s).")
    var connectTimeout = DurationArgument(seconds: 10)

    /// Per-command deadline on a host.
    @Option(help: "Longest one agent run on a host may take (e.g. 2m).")
    var hostTimeout = DurationArgument(seconds: 120)

    /// Hosts at once.
    @Option(help: "Hosts worked on at the same time.")
    var forks = 50

    /// The agent binary to push.
    @Option(help: "The hotpatch-agent binary to push (default: hotpatch-agent next to this hotpatch).")
    var agent: String?

    /// The upload folder on the hosts.
    @Option(
        help: ArgumentHelp(
            "Folder on each host for the agent and patch (%u: the login user; default /var/tmp/hotpatch-%u, "
                + "then ~/.cache/hotpatch and /var/lib/hotpatch/upload-%u when it is noexec or cannot be made).",
            valueName: "DIR"))
    var remoteDir: String?

    mutating func validate() throws {
        guard forks >= 1 else { throw ValidationError("--forks must be at least 1 (got \(forks))") }
        guard connectTimeout.seconds > 0 else { throw ValidationError("--connect-timeout must be above 0") }
        guard hostTimeout.seconds > 0 else { throw ValidationError("--host-timeout must be above 0") }
        if let remoteDir, !(remoteDir.hasPrefix("/") || remoteDir.hasPrefix("~/")) || remoteDir.hasSuffix("/")
        {
            throw ValidationError(
                "--remote-dir \(remoteDir): give an absolute folder (or ~/FOLDER), without a trailing /")
        }
    }

    /// The agent to push: `--agent`, else `hotpatch-agent` beside the running executable.
    func agentPath() throws -> String {
        let path = agent ?? Self.besideExecutable("hotpatch-agent")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw RolloutSetupError(
                "the agent binary \(path) is missing or not executable; build it (swift build) or pass --agent PATH"
            )
        }
        return path
    }

    /// A file next to this executable (`/proc/self/exe` resolves symlinks like a shell would not).
    static func besideExecutable(_ name: String) -> String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
