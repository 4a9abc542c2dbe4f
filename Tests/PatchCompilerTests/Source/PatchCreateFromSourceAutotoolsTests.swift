import Foundation
import TestSupport
import XCTest

/// `hotpatch create --source` on examples/autotools-thermometer: C, configure.ac and Makefile.am
/// only (no generated configure), built in tree after `autoreconf -i`, the fix in one of the
/// program's two source files, applied to the running program.
final class PatchCreateFromSourceAutotoolsTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws {
        try BuiltProducts.require()
        for tool in ["/usr/bin/autoreconf", "/usr/bin/automake"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed; run scripts/install-deps")
        }
        fixture = try CFixture("create-source-autotools")
    }

    override func tearDown() { fixture?.remove() }

    func testAFixInOneSourceFilePatchesTheRunningProgramAutotoolsBuilt() throws {
        let repository = try SourceRepository.make(example: "autotools-thermometer", in: fixture)
        try repository.edit(
            "convert.c", replacing: "(fahrenheit - 32) * 5 / 10", with: "(fahrenheit - 32) * 5 / 9")
        try repository.commitAll("convert: divide by 9")
        let deployed = fixture.path("deployed")
        try repository.deploy(
            "HEAD^", into: deployed,
            building: [["/usr/bin/autoreconf", "-i"], [deployed + "/configure"], ["/usr/bin/make"]])
        let thermometer = try DeployedProgram(deployed + "/thermometer", in: fixture.directory)
        defer { thermometer.stop() }
        XCTAssertTrue(thermometer.waitForLine("212F = 90C"), "the deployed program runs")

        let patch = try SourcePatch.createFromHeadCommit(
            target: deployed + "/thermometer", repository: repository, in: fixture, including: "celsius",
            building: "./configure && make")

        let mark = thermometer.mark
        let applied = try SourcePatch.apply(patch, pid: thermometer.pid, state: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(
            thermometer.waitForLine("212F = 100C", after: mark), "the running program converts with the fix")
    }
}
