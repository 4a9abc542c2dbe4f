import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create --old/--new` (the story's in-place method) and `hotpatch inspect`.
final class PatchInPlaceAndInspectTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("inplace") }
    override func tearDown() { fixture.remove() }

    func testIdenticalLayoutBuildsGiveTheChangedBytesInPlace() throws {
        let parity = try ParityBuild.built()
        let out = fixture.path("inplace.hotpatch")
        let result = try HotpatchCLI.run([
            "create", "--old", parity.executable(.v1), "--new", parity.executable(.v2), "-o", out,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let patch = try HotpatchCLI.load(out)
        XCTAssertEqual(patch.kind, .inPlace)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["is_even"])
        // v1 and v2 differ in one immediate: 0xD -> 0x5.
        XCTAssertEqual(patch.inPlaceEdits.map(\.old), [[0x0d]])
        XCTAssertEqual(patch.inPlaceEdits.map(\.new), [[0x05]])

        let json = try HotpatchCLI.run(["inspect", out, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["kind"] as? String, "in-place")
        XCTAssertEqual(object["formatVersion"] as? Int, 1)
        XCTAssertEqual(object["signature"] as? String, "unsigned")
        XCTAssertEqual(
            object["buildID"] as? String,
            try ELFFile(bytes: try fixture.bytes(parity.executable(.v1))).buildID()?.hex)
    }

    func testDifferingLayoutIsRefusedNamingTheFirstMovedSymbol() throws {
        try fixture.write("main.c", ServiceSources.main)
        try fixture.write("v1/classify.c", ServiceSources.classifierV1)
        try fixture.write("v2/classify.c", ServiceSources.classifierV2)
        try fixture.gcc(ServiceSources.flags + ["main.c", "v1/classify.c", "-o", "old"])
        try fixture.gcc(ServiceSources.flags + ["main.c", "v2/classify.c", "-o", "new"])
        let result = try HotpatchCLI.run([
            "create", "--old", fixture.path("old"), "--new", fixture.path("new"), "-o",
            fixture.path("x.hotpatch"),
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("layouts differ"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--object"), result.stderr)
        XCTAssertEqual(result.stderr.trimmingCharacters(in: .newlines).components(separatedBy: "\n").count, 1)
    }
}
