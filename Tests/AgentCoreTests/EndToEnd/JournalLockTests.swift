import Foundation
import Shared
import TestSupport
import XCTest

/// Two agents on one host take turns: the second waits on the state directory's lock.
final class JournalLockTests: XCTestCase {
    func testSecondAgentWaitsForTheLockBeforeTouchingAnything() throws {
        let fixture = try CFixture("agent-lock")
        defer { fixture.remove() }
        let state = fixture.path("state")
        try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        let patch = try fixture.servicePatch(
            id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })

        // Play the first agent: hold the lock.
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let lock = open(state + "/agent.lock", O_RDWR | O_CREAT, 0o600)
        XCTAssertEqual(flock(lock, LOCK_EX), 0)
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: AgentBinary.path)
        agent.arguments = ["apply", patch, "--pid", "\(program.pid)", "--state-dir", state]
        agent.standardOutput = FileHandle.nullDevice
        try agent.run()

        // The kernel says where the second agent is: in flock(2) (syscall 73), before any work.
        let deadline = Date().addingTimeInterval(30)
        var inFlock = false
        while Date() < deadline, agent.isRunning, !inFlock {
            let syscall =
                (try? String(contentsOfFile: "/proc/\(agent.processIdentifier)/syscall", encoding: .utf8))
                ?? ""
            inFlock = syscall.hasPrefix("73 ")
            if !inFlock { Thread.sleep(forTimeInterval: 0.02) }
        }
        XCTAssertTrue(inFlock, "the second agent waits on the lock")
        let journal = (try? String(contentsOfFile: state + "/journal.log", encoding: .utf8)) ?? ""
        XCTAssertFalse(journal.contains("apply-begin"), "nothing done while waiting")

        close(lock)  // the first agent is done
        agent.waitUntilExit()
        XCTAssertEqual(agent.terminationStatus, 0)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" })
    }
}
