import Foundation
import Shared
import TestSupport
import XCTest

/// `--persist`: the fixed build is installed on disk atomically, only over the build the patch
/// targets, with owner, mode and capabilities kept and the old build as a backup; a second run
/// changes nothing; revert puts the old build back unless someone replaced the file since.
final class PersistTests: XCTestCase {
    /// A service, its fixed build, a third build, the patch, and the service running.
    private struct Setup {
        let fixture: CFixture
        let state: String
        let service: String
        let fixed: String
        let third: String
        let patch: String
        let program: TargetProgram
        let original: [UInt8]
    }

    private func setUp(_ label: String) throws -> Setup {
        let fixture = try CFixture(label)
        let service = try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        // The fixed build: the same source with the fix, as a release of it would be.
        let fixed = try fixture.link(
            "service-fixed",
            Fixtures.blockingService.replacingOccurrences(of: "return x + 1;", with: "return x + 2;"),
            flags: Fixtures.targetFlags)
        let third = try fixture.link(
            "service-other",
            Fixtures.blockingService.replacingOccurrences(of: "return x + 1;", with: "return x + 7;"),
            flags: Fixtures.targetFlags)
        let patch = try CreateBinary.create(
            id: "compute-fix", target: service,
            object: try fixture.object("fix", Fixtures.computeFix, flags: Fixtures.objectFlags),
            functions: ["compute"], output: fixture.path("compute-fix.hotpatch"))
        let original = try fixture.bytes(service)
        let program = try TargetProgram(service)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        return Setup(
            fixture: fixture, state: fixture.path("state"), service: service, fixed: fixed, third: third,
            patch: patch, program: program, original: original)
    }

    private func apply(_ setup: Setup) throws -> AgentBinary.Run {
        try AgentBinary.run(
            ["apply", setup.patch, "--pid", "\(setup.program.pid)", "--persist", setup.fixed],
            stateDirectory: setup.state)
    }

    func testPersistInstallsTheFixedBinaryKeepingOwnerModeAndCapabilitiesAndRevertRestoresTheOld() throws {
        let setup = try setUp("agent-persist")
        defer {
            setup.program.stop()
            setup.fixture.remove()
        }
        let service = setup.service
        XCTAssertEqual(chown(service, 1234, 2345), 0)
        XCTAssertEqual(chmod(service, 0o751), 0)
        let setcap = try Subprocess.run("/sbin/setcap", ["cap_net_bind_service+ep", service])
        XCTAssertEqual(setcap.status, 0, "setcap (libcap2-bin): " + setcap.stderr)
        let capabilities = try Subprocess.run("/sbin/getcap", [service]).stdout

        let applied = try apply(setup)
        XCTAssertEqual(applied.status, 0, applied.output)
        let file = try XCTUnwrap(applied.report?.files?.first, applied.output)
        XCTAssertEqual(file.action, .installed, applied.output)
        XCTAssertEqual(file.path, service)
        XCTAssertEqual(
            try setup.fixture.bytes(service), try setup.fixture.bytes(setup.fixed), "fixed build installed")
        let attributes = try FileManager.default.attributesOfItem(atPath: service)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o751, "mode kept")
        XCTAssertEqual((attributes[.ownerAccountID] as? NSNumber)?.intValue, 1234, "owner kept")
        XCTAssertEqual((attributes[.groupOwnerAccountID] as? NSNumber)?.intValue, 2345, "group kept")
        XCTAssertEqual(
            try Subprocess.run("/sbin/getcap", [service]).stdout, capabilities, "capabilities kept")
        XCTAssertTrue(capabilities.contains("cap_net_bind_service"), capabilities)
        XCTAssertEqual(try setup.fixture.bytes(service + ".hotpatch-backup.compute-fix"), setup.original)
        XCTAssertNotNil(
            setup.program.waitForLine { $0 == "compute=43" }, "the running process is patched too")

        // A second run finds the fixed build in place: nothing changes, still success.
        let again = try apply(setup)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(again.report?.files?.map(\.action), [.alreadyInstalled], again.output)

        // status names the builds on disk.
        let status = try AgentBinary.run(["status", "--exe", service], stateDirectory: setup.state)
        let seen = try XCTUnwrap(status.report?.files?.first, status.output)
        XCTAssertEqual(seen.buildID, seen.installedBuildID, status.output)
        XCTAssertNotEqual(seen.replacedBuildID, seen.installedBuildID, status.output)

        let reverted = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", "\(setup.program.pid)"], stateDirectory: setup.state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertEqual(reverted.report?.files?.map(\.action), [.restored], reverted.output)
        XCTAssertEqual(try setup.fixture.bytes(service), setup.original, "the old build is back")
        XCTAssertFalse(FileManager.default.fileExists(atPath: service + ".hotpatch-backup.compute-fix"))
        let journal = try String(contentsOfFile: setup.state + "/journal.log", encoding: .utf8)
        XCTAssertTrue(journal.contains("event=persist") && journal.contains("event=unpersist"), journal)
    }

    func testAThirdBuildOnDiskIsRefusedAndTheLivePatchStays() throws {
        let setup = try setUp("agent-persist-third")
        defer {
            setup.program.stop()
            setup.fixture.remove()
        }
        // Someone installed another build after the service started.
        let other = try setup.fixture.bytes(setup.third)
        try Data(other).write(to: URL(fileURLWithPath: setup.service + ".tmp"))
        XCTAssertEqual(rename(setup.service + ".tmp", setup.service), 0)

        let applied = try apply(setup)
        XCTAssertEqual(applied.status, AgentExitCode.targetMismatch.rawValue, applied.output)
        XCTAssertEqual(applied.report?.processes.map(\.outcome), [.applied], "the live patch is done")
        let file = try XCTUnwrap(applied.report?.files?.first, applied.output)
        XCTAssertEqual(file.action, .refused)
        XCTAssertTrue(
            file.message?.contains("neither the build the patch targets") == true, file.message ?? "")
        XCTAssertEqual(try setup.fixture.bytes(setup.service), other, "the third build is left as is")
        XCTAssertFalse(FileManager.default.fileExists(atPath: setup.service + ".hotpatch-backup.compute-fix"))
        XCTAssertNotNil(setup.program.waitForLine { $0 == "compute=43" }, "the process runs the fix")
    }

    func testRevertLeavesAFileReplacedSinceTheInstall() throws {
        let setup = try setUp("agent-persist-replaced")
        defer {
            setup.program.stop()
            setup.fixture.remove()
        }
        let applied = try apply(setup)
        XCTAssertEqual(applied.report?.files?.map(\.action), [.installed], applied.output)
        // Someone deploys another build over the fixed one.
        let other = try setup.fixture.bytes(setup.third)
        try Data(other).write(to: URL(fileURLWithPath: setup.service + ".tmp"))
        XCTAssertEqual(rename(setup.service + ".tmp", setup.service), 0)

        let reverted = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", "\(setup.program.pid)"], stateDirectory: setup.state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertEqual(reverted.report?.processes.map(\.outcome), [.reverted])
        let file = try XCTUnwrap(reverted.report?.files?.first, reverted.output)
        XCTAssertEqual(file.action, .leftInPlace, reverted.output)
        XCTAssertEqual(try setup.fixture.bytes(setup.service), other, "their build stays")
        XCTAssertEqual(
            try setup.fixture.bytes(setup.service + ".hotpatch-backup.compute-fix"), setup.original,
            "the old build is still kept")
    }

    /// A process in another mount namespace (as in a container) sees another file at its path:
    /// the agent patches it live but refuses to install there.
    func testAProcessInAnotherMountNamespaceIsPatchedButItsFileIsNotReplaced() throws {
        let fixture = try CFixture("agent-persist-mntns")
        defer { fixture.remove() }
        let service = try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        let fixed = try fixture.link(
            "service-fixed",
            Fixtures.blockingService.replacingOccurrences(of: "return x + 1;", with: "return x + 2;"),
            flags: Fixtures.targetFlags)
        let patch = try CreateBinary.create(
            id: "compute-fix", target: service,
            object: try fixture.object("fix", Fixtures.computeFix, flags: Fixtures.objectFlags),
            functions: ["compute"], output: fixture.path("compute-fix.hotpatch"))
        let original = try fixture.bytes(service)
        // unshare execs the service: the pid is the service's, in its own mount namespace.
        let program = try TargetProgram("/usr/bin/unshare", ["--mount", "--propagation", "private", service])
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })

        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--persist", fixed],
            stateDirectory: fixture.path("state"))
        XCTAssertEqual(applied.report?.processes.map(\.outcome), [.applied], applied.output)
        let file = try XCTUnwrap(applied.report?.files?.first, applied.output)
        XCTAssertEqual(file.action, .refused, applied.output)
        XCTAssertTrue(file.message?.contains("another mount namespace") == true, file.message ?? "")
        XCTAssertEqual(try fixture.bytes(service), original, "the file is not replaced")
    }

    /// An install that fails half-way (here: its temporary name is taken by a folder) leaves the
    /// old file, no backup and no record behind.
    func testAFailedInstallLeavesNoBackupAndNoRecord() throws {
        let setup = try setUp("agent-persist-failed")
        defer {
            setup.program.stop()
            setup.fixture.remove()
        }
        let blocker = setup.fixture.path(".service.hotpatch-new.compute-fix")
        try FileManager.default.createDirectory(
            atPath: blocker + "/inside", withIntermediateDirectories: true)

        let applied = try apply(setup)
        XCTAssertEqual(applied.status, AgentExitCode.failed.rawValue, applied.output)
        XCTAssertEqual(applied.report?.processes.map(\.outcome), [.applied], "the live patch is done")
        XCTAssertEqual(applied.report?.files?.map(\.action), [.failed], applied.output)
        XCTAssertEqual(try setup.fixture.bytes(setup.service), setup.original, "the old file stays")
        XCTAssertFalse(FileManager.default.fileExists(atPath: setup.service + ".hotpatch-backup.compute-fix"))
        let status = try AgentBinary.run(["status", "--exe", setup.service], stateDirectory: setup.state)
        XCTAssertNil(status.report?.files?.first?.installedBuildID, "no record: " + status.output)
    }
}
