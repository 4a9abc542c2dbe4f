import Foundation
import TestSupport
import XCTest

/// `hotpatch create --source` on the parity example (a plain Makefile that hard-codes `CC = gcc`):
/// the fix commit copies the fixed classifier over the buggy one; the running build is the
/// parent, made with `make` in another clone.
final class PatchCreateFromSourceParityTests: XCTestCase {
    private var fixture: CFixture!
    private var repository: SourceRepository!

    override func setUpWithError() throws {
        try BuiltProducts.require()
        fixture = try CFixture("create-source-parity")
        repository = try SourceRepository.make(example: "parity", in: fixture)
    }

    override func tearDown() { fixture?.remove() }

    /// Commits the fix: classify_v1.c (linked into parity-v1) becomes the fixed classifier.
    private func commitFix() throws {
        try FileManager.default.removeItem(atPath: repository.directory + "/classify_v1.c")
        try FileManager.default.copyItem(
            atPath: repository.directory + "/classify_v2.c", toPath: repository.directory + "/classify_v1.c")
        try repository.commitAll("classify: is_even tests the low bit")
    }

    func testAFixCommitBecomesAPatchThatStopsTheRunningServiceMisclassifying() throws {
        try commitFix()
        let deployed = fixture.path("deployed")
        try repository.deploy("HEAD^", into: deployed, building: [["/usr/bin/make", "-s"]])
        let service = try DeployedProgram(
            deployed + "/build/parity-v1", ["--threads", "2", "--interval-ms", "200"], in: fixture.directory)
        defer { service.stop() }
        let log = ParityLog(path: service.stdoutPath)
        _ = try log.waitForLine(description: "misclassification") { $0.misclassified > 0 }

        let patch = try SourcePatch.createFromHeadCommit(
            target: deployed + "/build/parity-v1", repository: repository, in: fixture,
            including: "is_even (", building: "make -j")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repository.directory + "/build"))

        let applied = try SourcePatch.apply(patch, pid: service.pid, state: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        let seen = try log.lines().count
        let later = try log.waitForLine(skipping: seen + 2, description: "two lines after apply")
        XCTAssertEqual(later.misclassifiedDelta, 0, "the running service classifies right after the patch")
    }

    func testARebuildThatIsNotTheRunningCodeIsRefusedNamingTheFirstDifferingFunction() throws {
        try commitFix()
        let deployed = fixture.path("deployed")
        // One flag changed: the deployed build is -O1, the project's Makefile says -O2.
        try repository.deploy(
            "HEAD^", into: deployed,
            building: [["/usr/bin/make", "-s", "CFLAGS=-O1 -g -ffunction-sections -fdata-sections -fPIC"]])
        let created = try SourcePatch.create([
            "--target", deployed + "/build/parity-v1", "--source", repository.directory, "--commit", "HEAD",
            "-o", fixture.path("fix.hotpatch"),
        ])
        XCTAssertNotEqual(created.status, 0)
        XCTAssertTrue(
            created.stderr.contains(
                "is not the code running in \(deployed)/build/parity-v1: is_even (classify_v1.c) differs"),
            created.stderr)
        XCTAssertTrue(created.stderr.contains("other compiler flags"), created.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: fixture.path("fix.hotpatch")), "no patch written")
    }

    func testADiffAgainstTheTreeAsItIsMakesThePatchToo() throws {
        let deployed = fixture.path("deployed")
        try repository.deploy("HEAD", into: deployed, building: [["/usr/bin/make", "-s"]])
        // The diff: the fixed classifier over the buggy one, left uncommitted nowhere.
        let v1 = repository.directory + "/classify_v1.c"
        let original = try String(contentsOfFile: v1, encoding: .utf8)
        try String(contentsOfFile: repository.directory + "/classify_v2.c", encoding: .utf8)
            .write(toFile: v1, atomically: true, encoding: .utf8)
        try repository.git(["diff", "--output=" + fixture.path("fix.diff")])
        try original.write(toFile: v1, atomically: true, encoding: .utf8)

        let created = try SourcePatch.create([
            "--target", deployed + "/build/parity-v1", "--source", repository.directory, "--diff",
            fixture.path("fix.diff"), "--json", "-o", fixture.path("fix.hotpatch"),
        ])
        XCTAssertEqual(created.status, 0, created.stdout + created.stderr)
        XCTAssertEqual(created.stderr, "", "--json prints no progress")
        let report = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["outcome"] as? String, "wrote")
        let decisions = report?["decisions"] as? [[String: String]] ?? []
        XCTAssertTrue(
            decisions.contains { $0["verdict"] == "included" && $0["name"] == "is_even" }, created.stdout)
    }

    func testAnLTOBuildIsRebuiltWithoutLTOWhenThatReproducesTheRunningCode() throws {
        // The project's own Makefile asks for -flto; is_even stays a function of its own there.
        try repository.edit("Makefile", replacing: "CFLAGS = -O2 -g", with: "CFLAGS = -O2 -g -flto")
        try repository.commitAll("build with LTO")
        try commitFix()
        let deployed = fixture.path("deployed")
        try repository.deploy("HEAD^", into: deployed, building: [["/usr/bin/make", "-s"]])
        let created = try SourcePatch.create([
            "--target", deployed + "/build/parity-v1", "--source", repository.directory, "--commit", "HEAD",
            "-o", fixture.path("fix.hotpatch"),
        ])
        XCTAssertEqual(created.status, 0, created.stdout + created.stderr)
        XCTAssertTrue(created.stdout.contains("included: is_even ("), created.stdout)
        XCTAssertTrue(
            created.stderr.contains("note: the project builds with -flto: rebuilt without it"), created.stderr
        )
    }

    func testABuildByAnotherCompilerIsRefusedNamingIt() throws {
        guard
            let clang = ["/usr/bin/clang", "/opt/swift/usr/bin/clang"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw XCTSkip("no clang to build the deployed service with")
        }
        try commitFix()
        let deployed = fixture.path("deployed")
        try repository.deploy("HEAD^", into: deployed, building: [["/usr/bin/make", "-s", "CC=" + clang]])
        let created = try SourcePatch.create([
            "--target", deployed + "/build/parity-v1", "--source", repository.directory, "--commit", "HEAD",
            "-o", fixture.path("fix.hotpatch"),
        ])
        XCTAssertNotEqual(created.status, 0)
        XCTAssertTrue(created.stderr.contains(": is_even (classify_v1.c) differs"), created.stderr)
        XCTAssertTrue(
            created.stderr.contains(
                "Likely cause: another compiler: the target holds code compiled by clang"), created.stderr)
    }
}
