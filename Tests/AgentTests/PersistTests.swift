import Foundation
import Shared
import TestSupport
import XCTest

/// `--persist`: the fixed build is installed on disk atomically, the old one kept; revert puts it back.
final class PersistTests: XCTestCase {
    func testPersistInstallsTheFixedBinaryAndRevertRestoresTheOld() throws {
        let fixture = try CFixture("agent-persist")
        defer { fixture.remove() }
        let state = fixture.path("state")
        let service = try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        let fixed = try fixture.link(
            "service-fixed",
            Fixtures.blockingService.replacingOccurrences(of: "return x + 1;", with: "return x + 2;"),
            flags: Fixtures.targetFlags)
        chmod(service, 0o751)
        let patch = try CreateBinary.create(
            id: "compute-fix", target: service,
            object: try fixture.object("fix", Fixtures.computeFix, flags: Fixtures.objectFlags),
            functions: ["compute"], output: fixture.path("compute-fix.hotpatch"))
        let original = try fixture.bytes(service)
        let program = try TargetProgram(service)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })

        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)", "--persist", fixed], stateDirectory: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(try fixture.bytes(service), try fixture.bytes(fixed), "the fixed build is installed")
        let attributes = try FileManager.default.attributesOfItem(atPath: service)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o751, "mode preserved")
        XCTAssertEqual(
            try fixture.bytes(service + ".hotpatch-backup.compute-fix"), original, "old build kept")
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" }, "the running process is patched too")

        let reverted = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertEqual(try fixture.bytes(service), original, "the old build is back")
        XCTAssertFalse(FileManager.default.fileExists(atPath: service + ".hotpatch-backup.compute-fix"))
        let journal = try String(contentsOfFile: state + "/journal.log", encoding: .utf8)
        XCTAssertTrue(journal.contains("event=persist") && journal.contains("event=unpersist"), journal)
    }
}
