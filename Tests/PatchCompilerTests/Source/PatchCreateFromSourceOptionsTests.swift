import Foundation
import TestSupport
import XCTest

/// `hotpatch create --source`'s flag rules: each wrong combination names the flags and the fix.
final class PatchCreateFromSourceOptionsTests: XCTestCase {
    func testEachWrongCombinationNamesTheFlags() throws {
        try BuiltProducts.require()
        let table: [(arguments: [String], message: String)] = [
            (
                ["--target", "t", "--source", "d"],
                "--source needs exactly one of --commit REV or --diff FILE"
            ),
            (
                ["--target", "t", "--source", "d", "--commit", "HEAD", "--diff", "f"],
                "--source needs exactly one of --commit REV or --diff FILE"
            ),
            (["--source", "d", "--commit", "HEAD"], "--source needs --target BINARY_OR_LIB"),
            (["--target", "t", "--commit", "HEAD"], "--commit, --diff and --build need --source DIR"),
            (
                ["--target", "t", "--source", "d", "--commit", "HEAD", "--object", "o.o"],
                "--source cannot be combined with --object"
            ),
        ]
        for row in table {
            let result = try SourcePatch.create(row.arguments)
            XCTAssertEqual(result.status, 64, "\(row.arguments)")
            XCTAssertTrue(result.stderr.contains(row.message), "\(row.arguments): \(result.stderr)")
        }
    }

    func testASourceThatIsNotARepositoryAsksForDiff() throws {
        try BuiltProducts.require()
        let fixture = try CFixture("create-source-options")
        defer { fixture.remove() }
        try fixture.write("tree/main.c", "int main(void) { return 0; }\n")
        let result = try SourcePatch.create([
            "--target", "/bin/true", "--source", fixture.path("tree"), "--commit", "HEAD", "-o",
            fixture.path("fix.hotpatch"),
        ])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("is not a git repository (use --diff FILE)"), result.stderr)
    }
}
