import Shared
import XCTest

@testable import AgentCore

/// The preflight's pure parts: the ptrace decision (Yama scope x capabilities x owners), the
/// /proc/PID/status fields it reads, and the mountinfo parsing that finds a folder's options.
final class PreflightRulesTests: XCTestCase {
    /// Full root: every capability (CAP_SYS_PTRACE is bit 19).
    let all: UInt64 = 0x0000_01ff_ffff_ffff
    /// Root in a container that dropped CAP_SYS_PTRACE.
    var noPtrace: UInt64 { all & ~(1 << 19) }

    func root(_ caps: UInt64) -> ProcessCredentials {
        ProcessCredentials(uids: [0, 0, 0, 0], gids: [0, 0, 0, 0], capPrm: caps, capEff: caps)
    }

    func user(_ uid: UInt32, caps: UInt64 = 0) -> ProcessCredentials {
        ProcessCredentials(
            uids: [uid, uid, uid, uid], gids: [uid, uid, uid, uid], capPrm: caps, capEff: caps)
    }

    func testPtraceDecisionTable() {
        // (scope, agent, target, allowed?, words the reason must hold)
        let cases: [(Int?, ProcessCredentials, ProcessCredentials?, Bool, String)] = [
            (nil, root(all), root(all), true, ""),  // no Yama, full root
            (0, root(all), root(all), true, ""),
            (1, root(all), user(1000), true, ""),  // scope 1: CAP_SYS_PTRACE suffices
            (2, root(all), root(all), true, ""),  // scope 2: admin only, and we are
            (3, root(all), root(all), false, "ptrace_scope is 3"),  // scope 3: nobody
            (3, root(all), nil, false, "until it reboots"),
            (1, root(noPtrace), root(all), false, "ptrace_scope is 1 and the agent lacks CAP_SYS_PTRACE"),
            (2, user(1000), user(1000), false, "ptrace_scope is 2"),
            (1, user(1000), user(1000), false, "ptrace_scope is 1"),  // not a descendant
            (0, user(1000), user(1000), true, ""),  // same owner, no capabilities either side
            (nil, user(1000), user(1001), false, "belongs to uid 1001"),
            (0, user(1000), root(all), false, "belongs to uid 0"),
            (0, root(noPtrace), root(all), false, "holds capabilities it does not"),  // docker default
            (0, root(noPtrace), root(noPtrace), true, ""),  // target no stronger than us
            (0, root(noPtrace), nil, true, ""),  // nothing to compare with yet
        ]
        for (index, (scope, agent, target, allowed, words)) in cases.enumerated() {
            let verdict = PtraceRules.verdict(scope: scope, agent: agent, target: target)
            switch verdict {
            case .allowed: XCTAssertTrue(allowed, "case \(index): allowed, expected a denial with '\(words)'")
            case .denied(let reason):
                XCTAssertFalse(allowed, "case \(index): denied (\(reason)), expected allowed")
                XCTAssertTrue(reason.contains(words), "case \(index): \(reason)")
            }
        }
    }

    func testStatusFieldsAreReadFromProcText() throws {
        let text = """
            Name:\tparity-v1
            Uid:\t0\t0\t0\t0
            Gid:\t0\t0\t0\t0
            CapInh:\t0000000000000000
            CapPrm:\t000001fffef7ffff
            CapEff:\t000001fffef7ffff
            CapBnd:\t000001fffef7ffff
            NoNewPrivs:\t1
            Seccomp:\t2
            """
        let parsed = try XCTUnwrap(ProcessCredentials(statusText: text))
        XCTAssertEqual(parsed.uids, [0, 0, 0, 0])
        XCTAssertFalse(parsed.hasSysPtrace)
        XCTAssertTrue(parsed.noNewPrivs)
        XCTAssertEqual(parsed.seccomp, 2)
        // Old kernels lack NoNewPrivs and Seccomp: both read as off.
        let old = try XCTUnwrap(
            ProcessCredentials(
                statusText:
                    "Uid:\t5\t5\t5\t5\nGid:\t5\t5\t5\t5\nCapPrm:\t0000000000080000\nCapEff:\t0000000000080000\n"
            ))
        XCTAssertTrue(old.hasSysPtrace)
        XCTAssertFalse(old.noNewPrivs)
        XCTAssertEqual(old.seccomp, 0)
        XCTAssertNil(ProcessCredentials(statusText: "Name:\tx\nUid:\t0\t0\t0\t0\n"))
        // The agent's own status parses on this machine.
        XCTAssertNotNil(ProcessCredentials.read("self"))
    }

    func testMountOptionsOfTheMountHoldingAFolder() {
        let table = MountTable(
            mountinfo: """
                22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw,discard
                30 22 0:26 / /var/tmp rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=1024k
                31 22 0:27 / /var/tmpfoo rw,relatime shared:6 - tmpfs tmpfs rw
                32 22 0:28 / /home/my\\040dir rw,noexec,relatime - tmpfs tmpfs rw
                33 30 0:29 / /var/tmp/hotpatch-root rw,relatime - tmpfs tmpfs rw
                40 22 0:30 / /mnt/stacked rw,relatime - tmpfs tmpfs rw
                41 22 0:31 / /mnt/stacked rw,noexec,relatime - tmpfs tmpfs rw
                garbage line
                """)
        let cases: [(String, String, Bool)] = [
            ("/usr/bin", "/", true),
            ("/var/tmp/hotpatch-alice", "/var/tmp", false),  // noexec hardening
            ("/var/tmp", "/var/tmp", false),
            ("/var/tmpfoo/x", "/var/tmpfoo", true),  // a prefix only at a component boundary
            ("/home/my dir/x", "/home/my dir", false),  // \040 is a space
            ("/var/tmp/hotpatch-root", "/var/tmp/hotpatch-root", true),  // a mount inside wins
            ("/mnt/stacked/a", "/mnt/stacked", false),  // the later of two stacked mounts
        ]
        for (path, point, exec) in cases {
            let mount = table.mount(holding: path)
            XCTAssertEqual(mount?.mountPoint, point, path)
            XCTAssertEqual(mount?.allowsExec, exec, path)
        }
        XCTAssertEqual(table.mounts.count, 7)
        XCTAssertTrue(table.mounts[0].options.contains("discard"), "superblock options are merged in")
    }
}
