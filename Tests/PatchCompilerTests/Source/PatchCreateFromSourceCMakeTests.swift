import Foundation
import TestSupport
import XCTest

/// `hotpatch create --source` on examples/cmake-greeter: C++, an out-of-tree CMake build, the fix
/// in the shared library's source. The patch is made for the deployed libgreeter.so and applied
/// to the running program that loaded it.
final class PatchCreateFromSourceCMakeTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws {
        try BuiltProducts.require()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cmake") else {
            throw XCTSkip("cmake is not installed; run scripts/install-deps")
        }
        fixture = try CFixture("create-source-cmake")
    }

    override func tearDown() { fixture?.remove() }

    func testAFixInTheSharedLibraryPatchesTheRunningProgramThatLoadedIt() throws {
        let repository = try SourceRepository.make(example: "cmake-greeter", in: fixture)
        try repository.edit("greeter.cpp", replacing: "\"hello \" + name", with: "\"hello, \" + name")
        try repository.commitAll("greeter: the comma")
        let deployed = fixture.path("deployed")
        try repository.deploy(
            "HEAD^", into: deployed,
            building: [
                ["/usr/bin/cmake", "-S", ".", "-B", "build"], ["/usr/bin/cmake", "--build", "build"],
            ])
        let greet = try DeployedProgram(deployed + "/build/greet", in: fixture.directory)
        defer { greet.stop() }
        XCTAssertTrue(greet.waitForLine("hello world"), "the deployed program runs")

        let patch = try SourcePatch.createFromHeadCommit(
            target: deployed + "/build/libgreeter.so", repository: repository, in: fixture,
            including: "_Z8greeting", building: "cmake && cmake --build")

        let mark = greet.mark
        let applied = try SourcePatch.apply(patch, pid: greet.pid, state: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(
            greet.waitForLine("hello, world", after: mark), "the running program greets with the fix")
    }
}
