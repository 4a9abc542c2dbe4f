import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create` on a target built the way real programs are, WITHOUT -ffunction-sections
/// (all functions of a file in one `.text`), from a fix object built with the target's flags plus
/// `-ffunction-sections -fdata-sections -fPIE`: jumps the assembler shortened to rel8 and other
/// nop padding are the same code, so exactly the changed function is included.
final class PatchCreateSharedTextTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("sharedtext") }
    override func tearDown() { fixture.remove() }

    private func buildTarget() throws -> String {
        try fixture.write("lib.c", SharedTextSources.library)
        try fixture.write("main.c", SharedTextSources.main)
        try fixture.gcc(["-O2", "-pthread", "-g0", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        return fixture.path("prog")
    }

    /// Compiles `source` as the fix's `lib.c` (target flags + sections + -fPIE) and runs create.
    private func create(target: String, fixed source: String) throws -> ProgramResult {
        try fixture.write("fix/lib.c", source)
        try fixture.gcc(
            [
                "-O2", "-pthread", "-g0", "-ffunction-sections", "-fdata-sections", "-fPIE", "-c",
                "fix/lib.c", "-o", "fix.o",
            ])
        return try HotpatchCLI.run(
            [
                "create", "--target", target, "--object", fixture.path("fix.o"), "-o",
                fixture.path("fix.hotpatch"),
            ])
    }

    func testUnchangedFileSaysNothingChanged() throws {
        let target = try buildTarget()
        let result = try create(target: target, fixed: SharedTextSources.library)
        XCTAssertNotEqual(result.status, 0, result.stdout)
        // Before instruction-level comparison, slow_path and sw_static were included: the target's
        // tail calls of clamp and tiny are `jmp rel8` (the assembler resolved them in the shared
        // .text), the object's rel32, and sw_static's switch table then reaches other offsets.
        XCTAssertTrue(
            (result.stdout + result.stderr).contains("nothing to patch"), result.stdout + result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), [], result.stdout)
    }

    func testEachFixIncludesExactlyTheFunctionItTouches() throws {
        let target = try buildTarget()
        let cases: [(from: String, to: String, included: [String])] = [
            ("v * 3 + 1", "v * 3 + 2", ["compute"]),
            ("v * 2;\n}", "v * 4;\n}", ["slow_path"]),
            ("h = h * 31 + p[i];", "h = h * 37 + p[i];", ["tail_hash"]),
            ("s += v[i] ^ i;", "s += v[i] + i;", ["scan_static"]),
            // A switch table whose cases moved (rel8 tail calls of tiny in the target): one arm changed.
            ("case 4: return v - 5;", "case 4: return v - 6;", ["sw_static"]),
            ("case 6: return v << 3;", "case 6: return v << 4;", ["sw_static"]),
            // Self-calls the assembler resolved, after a rel8 tail call.
            ("acc + n);", "acc + 2 * n);", ["rec_static"]),
        ]
        for fix in cases {
            XCTAssertTrue(SharedTextSources.library.contains(fix.from), fix.from)
            let result = try create(
                target: target,
                fixed: SharedTextSources.library.replacingOccurrences(of: fix.from, with: fix.to))
            XCTAssertEqual(result.status, 0, "\(fix.from): \(result.stderr)")
            XCTAssertEqual(
                CreateOutput.included(result.stdout), fix.included, "\(fix.from):\n\(result.stdout)")
        }
    }

    func testARealDifferenceNamesTheInstruction() throws {
        let target = try buildTarget()
        let changed = SharedTextSources.library.replacingOccurrences(of: "v * 2;\n}", with: "v * 4;\n}")
        let result = try create(target: target, fixed: changed)
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try XCTUnwrap(
            result.stdout.split(separator: "\n").first { $0.hasPrefix("included: slow_path") })
        XCTAssertTrue(line.contains("at instruction"), String(line))
        XCTAssertTrue(line.contains("the target's +"), String(line))
    }
}
