import Foundation
import Shared
import TestSupport
import XCTest

/// Bad inputs to the built `hotpatch` binary: one line on stderr, a non-zero exit, no crash.
final class PatchHostileInputTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("hostile") }
    override func tearDown() { fixture.remove() }

    private func assertOneLineRefusal(
        _ arguments: [String], mentioning words: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try HotpatchCLI.run(arguments)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertLessThan(result.status, 128, "killed by a signal: \(result.stderr)", file: file, line: line)
        let lines = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).components(
            separatedBy: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(words), result.stderr, file: file, line: line)
    }

    private func validPatch() throws -> [UInt8] {
        let parity = try ParityBuild.built()
        let out = fixture.path("good.hotpatch")
        let result = try HotpatchCLI.run([
            "create", "--target", parity.executable(.v1), "--object", parity.classifierObject(.v2), "-o", out,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try fixture.bytes(out)
    }

    func testTruncatedPatch() throws {
        let bytes = try validPatch()
        for length in [10, 64, bytes.count / 2, bytes.count - 1] {
            let path = fixture.path("cut-\(length).hotpatch")
            try Data(bytes[0..<length]).write(to: URL(fileURLWithPath: path))
            let result = try HotpatchCLI.run(["inspect", path])
            XCTAssertNotEqual(result.status, 0)
            XCTAssertLessThan(result.status, 128, result.stderr)
            XCTAssertEqual(
                result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n")
                    .count, 1, result.stderr)
        }
    }

    func testNonELFInputs() throws {
        let text = try fixture.write("notes.txt", "just some text\n")
        try assertOneLineRefusal(["inspect", text], mentioning: "not an ELF file")
        let object = try fixture.object("fix", "int f(int x) { return x + 1; }")
        try assertOneLineRefusal(
            ["create", "--target", text, "--object", object, "-o", fixture.path("o")],
            mentioning: "not an ELF file")
        try assertOneLineRefusal(["inspect", fixture.path("missing.hotpatch")], mentioning: "cannot read")
        try assertOneLineRefusal(["inspect", object], mentioning: "no .hotpatch section")
    }

    func testWrongArchitecture() throws {
        var header = [UInt8](repeating: 0, count: 64)
        header[0..<7] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]
        header[16] = 1
        header[18] = 183  // an AArch64 object
        let path = fixture.path("arm.o")
        try Data(header).write(to: URL(fileURLWithPath: path))
        try assertOneLineRefusal(["inspect", path], mentioning: "AArch64")
        let parity = try ParityBuild.built()
        try assertOneLineRefusal(
            ["create", "--target", parity.executable(.v1), "--object", path, "-o", fixture.path("o")],
            mentioning: "not x86-64")
    }

    func testVersionMismatchedPatch() throws {
        var bytes = try validPatch()
        let section = try XCTUnwrap(try ELFFile(bytes: bytes).section(named: ".hotpatch"))
        bytes[Int(section.offset) + 8] = 2
        let path = fixture.path("future.hotpatch")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try assertOneLineRefusal(["inspect", path], mentioning: "patch format version 2 is newer")
    }
}
