import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create` carries the unwind information of exactly the code it carries: the FDEs of
/// the included functions and their parts (not those of the functions left out), their exception
/// tables, and a personality pointer bound to the target's copy. Real g++ output.
final class PatchCreateUnwindTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("create-unwind") }
    override func tearDown() { fixture.remove() }

    private static let source = """
        #include <stdexcept>
        #include <cstdio>
        __attribute__((noinline)) int checked(int v) {
            if (v > LIMIT) throw std::invalid_argument("too big");
            return v * 2;
        }
        __attribute__((noinline)) int untouched(int v) {
            try { return checked(v); } catch (const std::invalid_argument &) { return -1; }
        }
        int main(int argc, char **) { std::printf("%d\\n", untouched(argc)); }
        """

    func testOnlyTheIncludedCodesFramesAndExceptionTablesAreCarried() throws {
        // Same file name on both sides: create tells local symbols (the .cold parts) apart by it.
        try fixture.write("v1/prog.cpp", Self.source.replacingOccurrences(of: "LIMIT", with: "100"))
        try fixture.write("v2/prog.cpp", Self.source.replacingOccurrences(of: "LIMIT", with: "120"))
        try gxx(["-O2", "-g0", "-Wl,--build-id", "v1/prog.cpp", "-o", "prog"])
        try gxx([
            "-O2", "-g0", "-fPIE", "-ffunction-sections", "-fdata-sections", "-c", "v2/prog.cpp", "-o",
            "fix.o",
        ])
        let output = fixture.path("fix.hotpatch")
        let result = try HotpatchCLI.run([
            "create", "--target", fixture.path("prog"), "--object", fixture.path("fix.o"), "-o", output,
        ])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("included: _Z7checkedi"), result.stdout)
        XCTAssertTrue(result.stdout.contains("left out: _Z9untouchedi"), result.stdout)
        let patch = try HotpatchCLI.load(output)

        let table = try XCTUnwrap(
            patch.sections.first { $0.name == ".eh_frame" }, "the patch carries .eh_frame")
        XCTAssertEqual(Array(table.bytes.suffix(4)), [0, 0, 0, 0], "ends with the terminator")
        let frames = try EHFrameFilter.filter(bytes: table.bytes, relocations: table.relocations) { _ in true
        }
        // Every FDE describes carried code: checked and its .cold part, never untouched or main.
        let code = Set(patch.sections.filter { $0.flags.contains(.execute) }.map(\.index))
        let described = frames.relocations.filter { relocation in
            code.contains(Int(patch.symbols[relocation.symbolIndex].sectionIndex))
        }
        XCTAssertEqual(frames.frameCount, described.count, "one PC begin per FDE, all in carried code")
        XCTAssertEqual(frames.frameCount, code.count, "every carried code section has its FDE")
        XCTAssertFalse(patch.sections.contains { $0.name.contains("untouched") || $0.name.contains("main") })
        XCTAssertTrue(patch.sections.contains { $0.name == ".gcc_except_table._Z7checkedi" }, "its LSDA")
        XCTAssertTrue(
            patch.targetBindings.contains { $0.symbol == "DW.ref.__gxx_personality_v0" },
            "the personality pointer binds to the target's: \(patch.targetBindings.map(\.symbol))")
    }

    private func gxx(_ arguments: [String]) throws {
        let result = try Subprocess.run("/usr/bin/g++", arguments, currentDirectory: fixture.directory)
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
