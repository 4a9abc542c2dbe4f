import Foundation
import Shared
import TestSupport
import XCTest

/// A trust policy someone other than root could change refuses everything (fail closed), and so
/// does a patch file someone other than root could have written; each message names the path,
/// owner, mode and the fix.
extension SignatureApplyTests {
    /// The trusted-keys file writable by others, owned by nobody, or in a folder others may
    /// write: even a correctly signed patch is refused, and the message says what to fix.
    func testUnsafeTrustedKeysRefuseEverything() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let before = try computeBytes(program)
        try release.sign(patch)
        var worldWritable = TrustedHost(trusting: [release.publicKey])
        worldWritable.keysMode = "0666"
        var ownedByNobody = TrustedHost(trusting: [release.publicKey])
        ownedByNobody.keysOwner = 65534
        var openFolder = TrustedHost(trusting: [release.publicKey])
        openFolder.directoryMode = "0777"
        let cases: [(TrustedHost, String)] = [
            (
                worldWritable,
                "file /etc/hotpatch/trusted-keys has mode 0666: group or others may write it; fix: chmod go-w /etc/hotpatch/trusted-keys"
            ),
            (
                ownedByNobody,
                "file /etc/hotpatch/trusted-keys is owned by uid 65534, not root; fix: chown root /etc/hotpatch/trusted-keys"
            ),
            (
                openFolder,
                "folder /etc/hotpatch has mode 0777: group or others may write it; fix: chmod go-w /etc/hotpatch"
            ),
        ]
        for (host, expected) in cases {
            let run = try host.agent(["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
            XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, run.output)
            XCTAssertTrue(run.report?.message?.contains(expected) == true, run.output)
            XCTAssertTrue(run.report?.message?.contains("refusing every patch") == true, run.output)
        }
        try assertUntouched(program, before: before)
    }

    /// A patch file owned by nobody, or mode 0666, or in a folder anyone may write without the
    /// sticky bit: refused with the path, owner, mode and fix; owned by the user who ran the
    /// agent through sudo (SUDO_UID), the same file applies.
    func testPatchFileOthersCouldWriteIsRefused() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let before = try computeBytes(program)
        let host = TrustedHost(trusting: nil)
        let resolved = try XCTUnwrap(URL(fileURLWithPath: patch).resolvingSymlinksInPath().path as String?)

        chown(patch, 65534, 65534)
        var run = try host.agent(["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, run.output)
        XCTAssertTrue(
            run.report?.message?.contains("\(resolved) is owned by uid 65534") == true
                && run.report?.message?.contains("chown root \(resolved)") == true, run.output)

        chown(patch, 0, 0)
        chmod(patch, 0o666)
        run = try host.agent(["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, run.output)
        XCTAssertTrue(
            run.report?.message?.contains("has mode 0666") == true
                && run.report?.message?.contains("chmod go-w \(resolved)") == true, run.output)

        chmod(patch, 0o644)
        chmod(fixture.directory, 0o777)
        run = try host.agent(["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
        chmod(fixture.directory, 0o700)
        XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, run.output)
        XCTAssertTrue(run.report?.message?.contains("chmod o-w") == true, run.output)
        try assertUntouched(program, before: before)

        // Owned by the user who ran the agent through sudo (a rollout with ansible_become uploads
        // into the login user's private folder): accepted, and the same file applies.
        chown(patch, 65534, 65534)
        var viaSudo = host
        viaSudo.environment = ["SUDO_UID": "65534"]
        run = try viaSudo.agent(["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(run.report?.processes.first?.outcome, .applied, run.output)
    }
}
