import Foundation
import TestSupport
import XCTest

/// Breaks each host of a `PreflightLabTests` lab in its own way, from outside and only inside
/// that host's mount (and PID) namespace, so the rest of the machine never sees it. Everything
/// here goes away with the lab. See `PreflightLabTests` for the list.
enum PreflightLabShaping {
    /// A shaping step that did not work.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Shapes hosts 2 to 9 (host 1 stays as the lab made it).
    static func shape(_ lab: LabFleet) throws {
        let hosts = lab.hosts
        guard hosts.count >= 9 else { throw Failure(description: "need 9 hosts, have \(hosts.count)") }
        try runOnlyAnotherBuild(lab, hosts[1])
        try restartSSHDWithoutPtrace(lab, hosts[2])
        try mountNoexec(lab, hosts[3], ["/var/tmp"])
        try hide(lab, hosts[3], ["/usr/bin/sha256sum"])
        try trustAnotherKey(hosts[4])
        try fakeUname(lab, hosts[5], option: "-m", answer: "aarch64")
        try fakeUname(lab, hosts[6], option: "-r", answer: "3.1.0-legacy")
        try FileManager.default.createDirectory(
            atPath: hosts[7].privateRoot + "/.cache", withIntermediateDirectories: true)
        try mountNoexec(lab, hosts[7], ["/var/tmp", "/root/.cache", "/var/lib/hotpatch"])
        try hide(
            lab, hosts[8],
            ["/usr/bin/sha256sum", "/usr/bin/shasum", "/usr/bin/openssl", "/usr/bin/busybox"].filter {
                FileManager.default.fileExists(atPath: $0)
            })
    }

    /// Runs `argv` in `host`'s namespaces; a non-zero exit is a failure naming the command.
    private static func inHost(_ lab: LabFleet, _ host: LabHost, _ argv: [String]) throws {
        let result = try FaultLab.inHost(lab, host, argv)
        guard result.status == 0 else {
            throw Failure(
                description:
                    "\(host): \(argv.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
    }

    /// The service is stopped and parity v2 started from parity-v1's path (v2 bind-mounted over
    /// it): the host runs another build of the same file, at the same path.
    private static func runOnlyAnotherBuild(_ lab: LabFleet, _ host: LabHost) throws {
        guard let pid = lab.servicePidOnThisMachine(host) else {
            throw Failure(description: "\(host): no service")
        }
        kill(pid, SIGKILL)
        try waitFor("\(host)'s service to exit") { kill(pid, 0) != 0 || isZombie(pid) }
        let build = RepositoryPaths.path("examples/parity/build")
        try inHost(
            lab, host,
            [
                "/bin/sh", "-c",
                "mount --bind \"$1/parity-v2\" \"$1/parity-v1\" && (\"$1/parity-v1\" --threads 1 </dev/null >/dev/null 2>&1 &)",
                "sh", build,
            ])
        try waitFor("parity v2 to run on \(host)") {
            !FaultLab.hostProcesses(lab, host, named: ["parity-v1"]).isEmpty
        }
    }

    /// sshd restarted with CAP_SYS_PTRACE dropped from its bounding set: every login (root
    /// included) and the agent it runs lack it, as in a container with Docker's defaults.
    private static func restartSSHDWithoutPtrace(_ lab: LabFleet, _ host: LabHost) throws {
        try lab.stopSSHD(of: host)
        try waitFor("\(host)'s sshd to stop") { (try? lab.run("true", on: host))?.status != 0 }
        try inHost(
            lab, host,
            [
                "/usr/bin/setpriv", "--bounding-set", "-sys_ptrace", "/usr/sbin/sshd", "-f",
                host.directory + "/sshd_config", "-E", host.directory + "/sshd.log",
            ])
        try waitFor("\(host)'s sshd to come back") { (try? lab.run("true", on: host))?.status == 0 }
    }

    /// A fresh noexec tmpfs over each folder.
    private static func mountNoexec(_ lab: LabFleet, _ host: LabHost, _ folders: [String]) throws {
        for folder in folders {
            try inHost(
                lab, host, ["/bin/mount", "-t", "tmpfs", "-o", "noexec,nosuid,mode=0755", "tmpfs", folder])
        }
    }

    /// /dev/null bound over each tool: `command -v` no longer finds it.
    private static func hide(_ lab: LabFleet, _ host: LabHost, _ tools: [String]) throws {
        for tool in tools { try inHost(lab, host, ["/bin/mount", "--bind", "/dev/null", tool]) }
    }

    /// A trusted-keys file listing a key that did not sign the (unsigned) test patch.
    private static func trustAnotherKey(_ host: LabHost) throws {
        let key = host.directory + "/other-signer"
        let made = try RolloutFixture.run(["keygen", "--out", key, "--force"])
        guard made.status == 0 else { throw Failure(description: "keygen: \(made.stderr)") }
        let file = host.privateEtcHotpatch + "/trusted-keys"
        try FileManager.default.copyItem(atPath: key + ".pub", toPath: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
    }

    /// FAKE: a script bound over /usr/bin/uname that answers `option` with `answer` and runs a
    /// copy of the real uname otherwise; the host's kernel and machine are not changed.
    private static func fakeUname(_ lab: LabFleet, _ host: LabHost, option: String, answer: String) throws {
        let real = host.directory + "/uname.real"
        let fake = host.directory + "/uname.fake"
        if !FileManager.default.fileExists(atPath: real) {
            try FileManager.default.copyItem(atPath: "/usr/bin/uname", toPath: real)
        }
        try "#!/bin/sh\n[ \"$1\" = \(option) ] && { echo \(answer); exit 0; }\nexec \(real) \"$@\"\n"
            .write(toFile: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        try inHost(lab, host, ["/bin/mount", "--bind", fake, "/usr/bin/uname"])
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return true
        }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    /// Polls `condition` (every 50 ms, up to 30 s: generous on a busy machine).
    private static func waitFor(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() {
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            usleep(50_000)
        }
    }
}
