import Foundation
import Shared
import TestSupport
import XCTest

/// Function-scope statics on real gcc -O2 output are paired with the target's by the functions
/// that use them, never by GCC's `.N` number (kpatch's static-local correlation).
final class PatchCreateStaticLocalTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("statics") }
    override func tearDown() { fixture.remove() }

    private func create(v1: String, v2: String) throws -> (ProgramResult, target: String) {
        try fixture.write("lib.c", v1)
        try fixture.write("main.c", "int main(void) { return 0; }\n")
        try fixture.gcc(["-O2", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        try fixture.write("fix/lib.c", v2)
        try fixture.gcc([
            "-O2", "-ffunction-sections", "-fdata-sections", "-fPIE", "-c", "fix/lib.c", "-o", "fix.o",
        ])
        let result = try HotpatchCLI.run([
            "create", "--target", fixture.path("prog"), "--object", fixture.path("fix.o"), "-o",
            fixture.path("fix.hotpatch"),
        ])
        return (result, fixture.path("prog"))
    }

    /// The `limit.N` static that `function`'s code uses in the running program, as objdump says.
    private func runningStatic(of function: String, in binary: String) throws -> ELFSymbol {
        let disassembly = try Subprocess.run("/usr/bin/objdump", ["-d", "--no-show-raw-insn", binary]).stdout
        let body = try XCTUnwrap(disassembly.components(separatedBy: "<\(function)>:\n").dropFirst().first)
        let functionText = body.components(separatedBy: "\n\n").first ?? ""
        let addresses = functionText.components(separatedBy: "# ").dropFirst().compactMap {
            UInt64($0.prefix { $0.isHexDigit }, radix: 16)
        }
        let symbols = try XCTUnwrap(try ELFFile(bytes: try fixture.bytes(binary)).symbolTable())
        return try XCTUnwrap(
            symbols.first { $0.name.hasPrefix("limit.") && addresses.contains($0.value) }, functionText)
    }

    func testANewStaticOfTheSameNameIsNewDataAndTheLiveOneKeepsItsBinding() throws {
        let (result, binary) = try create(v1: StaticSources.v1, v2: StaticSources.v2)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["scaled"], result.stdout)
        XCTAssertTrue(result.stdout.contains("left out: offset_of"), result.stdout)
        let live = try runningStatic(of: "scaled", in: binary)
        let fix = try XCTUnwrap(try ELFFile(bytes: try fixture.bytes("fix.o")).symbolTable())
        XCTAssertNotEqual(
            fix.first { $0.name == live.name }?.size, nil, "the fix reuses the running static's number")
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        // The patched scaled binds to the running static; burst_of's new `limit` travels as new data.
        XCTAssertEqual(
            patch.targetBindings.filter { $0.symbol.hasPrefix("limit.") }.map(\.address.rawValue),
            [live.value],
            result.stdout)
        XCTAssertTrue(result.stdout.contains("new data: limit."), result.stdout)
    }

    func testTwoStaticsOfOneNameInOneFunctionAreToldApartByPlace() throws {
        let source = """
            __attribute__((noinline)) int twice(int x) {
                { static int limit; limit += x; }
                { static int limit = 3; limit += 2 * x; return limit; }
            }
            __attribute__((noinline)) int other(int x) { return x * 37 + 11; }
            """
        let (result, _) = try create(v1: source, v2: source.replacingOccurrences(of: "x * 37 + 11", with: "x * 37 + 12"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["other"], result.stdout)
    }
}

/// A file with two statics named `limit`, and its fix that adds a third before them.
enum StaticSources {
    static let v1 = """
        __attribute__((noinline)) int scaled(int x, int set) {
            static int limit;
            if (set) limit = set;
            return x * limit;
        }
        __attribute__((noinline)) int offset_of(int set) {
            static int limit = 5;
            if (set) limit = set;
            return limit;
        }
        """

    static let v2 = """
        __attribute__((noinline)) static int burst_of(int set) {
            static int limit = 2;
            if (set) limit = set;
            return limit;
        }
        __attribute__((noinline)) int scaled(int x, int set) {
            static int limit;
            if (set) limit = set;
            return x * limit + burst_of(0);
        }
        __attribute__((noinline)) int offset_of(int set) {
            static int limit = 5;
            if (set) limit = set;
            return limit;
        }
        """
}
