import Foundation
import TestSupport
import XCTest

/// `hotpatch create --source` on examples/meson-counter: C, Meson's out-of-tree build run by
/// ninja, the fix in one of the executable's two source files, applied to the running program.
final class PatchCreateFromSourceMesonTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws {
        try BuiltProducts.require()
        for tool in ["/usr/bin/meson", "/usr/bin/ninja"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed; run scripts/install-deps")
        }
        fixture = try CFixture("create-source-meson")
    }

    override func tearDown() { fixture?.remove() }

    func testAFixInOneSourceFilePatchesTheRunningProgramMesonBuilt() throws {
        let repository = try SourceRepository.make(example: "meson-counter", in: fixture)
        try repository.edit(
            "counter.c", replacing: "snprintf(buffer, size, \"%d items\", n);",
            with: "snprintf(buffer, size, n == 1 ? \"%d item\" : \"%d items\", n);")
        try repository.commitAll("counter: one item, not one items")
        let deployed = fixture.path("deployed")
        try repository.deploy(
            "HEAD^", into: deployed,
            building: [["/usr/bin/meson", "setup", "build"], ["/usr/bin/ninja", "-C", "build"]])
        let count = try DeployedProgram(deployed + "/build/count", in: fixture.directory)
        defer { count.stop() }
        XCTAssertTrue(count.waitForLine("1 items"), "the deployed program runs")

        let patch = try SourcePatch.createFromHeadCommit(
            target: deployed + "/build/count", repository: repository, in: fixture, including: "describe",
            building: "meson setup && ninja")

        let mark = count.mark
        let applied = try SourcePatch.apply(patch, pid: count.pid, state: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(count.waitForLine("1 item", after: mark), "the running program counts with the fix")
    }
}
