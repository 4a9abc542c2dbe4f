import Foundation
import Shared
import TestSupport
import XCTest

/// The story: parity v1 misclassifies; the v1->v2 patch stops it without a restart and with a
/// pause the stall meter barely sees; revert brings the bug back.
final class ParityHeadlineTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("agent-parity") }
    override func tearDown() { fixture.remove() }

    func testParityExecutablePatchStopsMisclassificationAndRevertBringsItBack() throws {
        let build = try ParityBuild.built()
        let patch = try CreateBinary.create(
            id: "parity-fix", target: build.executable(.v1), object: build.classifierObject(.v2),
            output: fixture.path("parity-fix.hotpatch"))
        let service = try ParityService.start(.executable(.v1), .init(threads: 4, intervalMilliseconds: 250))
        defer { try? service.stop(.kill) }
        // A few lines first: the stall meter's baseline on this (shared, noisy) machine.
        _ = try service.waitForLine(skipping: 4, description: "misclassification") { $0.misclassified > 0 }

        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(service.pid)"], stateDirectory: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.output)
        let seen = try service.lines().count
        let first = try service.waitForLine(skipping: seen, description: "a line after apply")
        let later = try service.waitForLine(skipping: seen + 3, description: "three lines later")
        XCTAssertEqual(later.misclassified, first.misclassified, "misclassified stops growing")
        XCTAssertEqual(later.misclassifiedDelta, 0)
        XCTAssertEqual(later.pid, service.pid, "never restarted")
        let all = try service.lines()
        let gap = all[max(0, seen - 1)...].map(\.maxGapMicroseconds).max() ?? 0
        let baseline = all[..<max(0, seen - 1)].map(\.maxGapMicroseconds).max() ?? 0
        print(
            "parity exe: agent pause \(applied.report?.processes.first?.pauseMicroseconds ?? 0) µs, "
                + "stall meter worst gap around the apply \(gap) µs (before it: \(baseline) µs)")

        let reverted = try AgentBinary.run(
            ["revert", "--id", "parity-fix", "--pid", "\(service.pid)"], stateDirectory: fixture.path("state")
        )
        XCTAssertEqual(reverted.status, 0, reverted.output)
        let after = try service.lines().count
        _ = try service.waitForLine(skipping: after + 1, description: "misclassification again") {
            $0.misclassifiedDelta > 0
        }
    }

    /// The shared-library variant: two processes load libparity v1; one `--exe` names the
    /// library and patches both.
    func testSharedLibraryPatchAppliesToEveryProcessThatLoadedIt() throws {
        let build = try ParityBuild.built()
        let library = build.library(.v1)
        let patch = try CreateBinary.create(
            id: "libparity-fix", target: library, object: build.classifierObject(.v2),
            output: fixture.path("libparity-fix.hotpatch"))
        let options = ParityService.Options(threads: 2, intervalMilliseconds: 250)
        let one = try ParityService.start(.sharedLibrary(.v1), options)
        defer { try? one.stop(.kill) }
        let two = try ParityService.start(.sharedLibrary(.v1), options)
        defer { try? two.stop(.kill) }
        for service in [one, two] { _ = try service.waitForLine { $0.misclassified > 0 } }

        let applied = try AgentBinary.run(
            ["apply", patch, "--exe", library], stateDirectory: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(Set(applied.report?.processes.map(\.pid) ?? []), [one.pid, two.pid], applied.output)
        XCTAssertEqual(applied.report?.processes.map(\.outcome), [.applied, .applied])
        for service in [one, two] {
            let seen = try service.lines().count
            let first = try service.waitForLine(skipping: seen)
            let later = try service.waitForLine(skipping: seen + 2)
            XCTAssertEqual(
                later.misclassified, first.misclassified, "pid \(service.pid) stopped misclassifying")
        }
        print("parity lib: pauses \(applied.report?.processes.compactMap(\.pauseMicroseconds) ?? []) µs")

        let reverted = try AgentBinary.run(
            ["revert", "--id", "libparity-fix", "--all"], stateDirectory: fixture.path("state"))
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertEqual(reverted.report?.processes.count, 2, reverted.output)
        for service in [one, two] {
            let seen = try service.lines().count
            _ = try service.waitForLine(skipping: seen + 1) { $0.misclassifiedDelta > 0 }
        }
    }

    /// The story's own method: v1 and v2 share one layout, so the changed byte of is_even is
    /// written in place, in one stop at a safe point; revert writes the old byte back.
    func testInPlacePatchFromTwoBuildsWithOneLayout() throws {
        let build = try ParityBuild.built()
        let patch = try CreateBinary.createInPlace(
            id: "parity-inplace", old: build.executable(.v1), new: build.executable(.v2),
            output: fixture.path("parity-inplace.hotpatch"))
        let service = try ParityService.start(.executable(.v1), .init(threads: 2, intervalMilliseconds: 250))
        defer { try? service.stop(.kill) }
        _ = try service.waitForLine { $0.misclassified > 0 }
        let state = fixture.path("state")

        let applied = try AgentBinary.run(["apply", patch, "--pid", "\(service.pid)"], stateDirectory: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(applied.report?.processes.first?.patches.first?.state, .active, applied.output)
        let stateMode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        XCTAssertEqual(stateMode, 0o700, "the agent creates its state folder (root's journal) private")
        let seen = try service.lines().count
        let first = try service.waitForLine(skipping: seen)
        XCTAssertEqual(try service.waitForLine(skipping: seen + 2).misclassified, first.misclassified)

        let reverted = try AgentBinary.run(
            ["revert", patch, "--pid", "\(service.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        let after = try service.lines().count
        _ = try service.waitForLine(skipping: after + 1) { $0.misclassifiedDelta > 0 }
    }
}
