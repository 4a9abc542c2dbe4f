import Foundation
import Shared
import TestSupport

/// Runs the real agent as if on a host with its own `/etc/hotpatch`: inside a private mount
/// namespace with a tmpfs over /etc/hotpatch, so this machine's real folder is never touched.
/// The trusted-keys file and the folder get the owner and mode a test asks for.
struct TrustedHost {
    /// The trusted-keys file's content, or nil for a host without one.
    var trustedKeys: String?
    /// Its mode.
    var keysMode = "0644"
    /// Its owner (uid).
    var keysOwner = 0
    /// /etc/hotpatch's mode.
    var directoryMode = "0755"
    /// More environment for the agent (e.g. `SUDO_UID`, as sudo sets it).
    var environment: [String: String] = [:]

    /// A host trusting `keys`.
    init(trusting keys: [PatchPublicKey]?) {
        trustedKeys = keys.map {
            "# keys the release team signs with\n\n" + $0.map(\.line).joined(separator: "\n") + "\n"
        }
    }

    // A fresh machine has no /etc/hotpatch: the mount needs the folder as its mount point (an
    // empty folder is the same policy as none: the tmpfs over it is what the agent sees).
    private static let script = """
        [ -d /etc/hotpatch ] || mkdir -m 0755 /etc/hotpatch || exit 97
        mount -t tmpfs -o mode=0755 tmpfs /etc/hotpatch || exit 97
        if [ -n "$HP_KEYS" ]; then
            printf '%s' "$HP_KEYS" > /etc/hotpatch/trusted-keys || exit 97
            chmod "$HP_KEYS_MODE" /etc/hotpatch/trusted-keys && chown "$HP_KEYS_OWNER" /etc/hotpatch/trusted-keys || exit 97
        fi
        chmod "$HP_DIR_MODE" /etc/hotpatch || exit 97
        exec "$@"
        """

    /// Runs `hotpatch-agent ARGUMENTS --json --state-dir STATE` on this host.
    func agent(_ arguments: [String], stateDirectory: String) throws -> AgentBinary.Run {
        let relaxedPause = arguments.first == "apply" ? ["--max-pause", "2s"] : []
        var environment = ProcessInfo.processInfo.environment.merging(self.environment) { $1 }
        environment["HP_KEYS"] = trustedKeys ?? ""
        environment["HP_KEYS_MODE"] = keysMode
        environment["HP_KEYS_OWNER"] = "\(keysOwner)"
        environment["HP_DIR_MODE"] = directoryMode
        let result = try Subprocess.run(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c", TrustedHost.script, "sh",
                AgentBinary.path,
            ]
                + arguments + relaxedPause + ["--json", "--state-dir", stateDirectory],
            environment: environment)
        guard result.status != 97 else {
            throw TestPatchError("could not set up the private /etc/hotpatch: \(result.stderr)")
        }
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try? JSONDecoder().decode(AgentReport.self, from: Data(line.utf8))
        return AgentBinary.Run(status: result.status, report: report, output: result.stdout + result.stderr)
    }
}
