import Foundation
import Shared
import TestSupport
import XCTest

/// A fix higher in a file moves the `__LINE__` constants below it: on real gcc -O2 output such
/// functions are reported and left out (unless named), and only when the constant is shown to be
/// a line (an `__assert_fail` argument, or passed next to the file's name).
final class PatchCreateLineNumberTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("lines") }
    override func tearDown() { fixture.remove() }

    /// Builds the target from `LineSources.v1`, the fix object from `fixed` compiled in its own
    /// folder under the same file name (so `__FILE__` is the same), and runs create.
    private func create(fixed: String, extra: [String] = []) throws -> ProgramResult {
        try fixture.write("lib.c", LineSources.v1)
        try fixture.write("main.c", LineSources.main)
        try fixture.gcc(["-O2", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        try fixture.write("fix/lib.c", fixed)
        let compiled = try Subprocess.run(
            "/usr/bin/gcc",
            ["-O2", "-fPIE", "-ffunction-sections", "-fdata-sections", "-c", "lib.c", "-o", "../fix.o"],
            currentDirectory: fixture.path("fix"))
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        return try HotpatchCLI.run(
            [
                "create", "--target", fixture.path("prog"), "--object", fixture.path("fix.o"), "-o",
                fixture.path("fix.hotpatch"),
            ] + extra)
    }

    func testFunctionsWhoseAssertOrCheckLineMovedAreReportedAndLeftOut() throws {
        let result = try create(fixed: LineSources.v2)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["fee", "constant"], result.stdout)
        XCTAssertTrue(
            result.stdout.contains(
                "left out: guarded (only a __LINE__ constant changed, 6 -> 9; name it with --function to include it)"
            ),
            result.stdout)
        XCTAssertTrue(
            result.stdout.contains("left out: checked (only a __LINE__ constant changed, 7 -> 10;"),
            result.stdout)
    }

    func testANamedLineOnlyFunctionIsIncluded() throws {
        let result = try create(fixed: LineSources.v2, extra: ["--function", "guarded"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["guarded"], result.stdout)
    }

    func testOnlyMovedLinesIsNothingToPatch() throws {
        let moved = LineSources.v1.replacingOccurrences(
            of: "int fee(int x) {", with: "int fee(int x) {\n\n\n")
        let result = try create(fixed: moved)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(
            result.stderr.contains("nothing changed but __LINE__ constants (in guarded, checked)"),
            result.stderr)
    }
}

/// A file with an assert, a CHECK macro that passes __FILE_NAME__ and __LINE__, and a plain
/// constant that looks like a line but is not one.
enum LineSources {
    static let v1 = """
        #include <assert.h>
        void check_failed(const char *file, int line, const char *what);
        #define CHECK(c) ((c) ? (void)0 : check_failed(__FILE_NAME__, __LINE__, #c))
        __attribute__((noinline)) int fee(int x) { return x * 3 + 1; }
        __attribute__((noinline)) int constant(int x) { return x > 5 ? 120 : 7; }
        __attribute__((noinline)) int guarded(int x) { assert(x >= 0); return x * 2; }
        __attribute__((noinline)) int checked(int x) { CHECK(x < 1000); return x + 7; }
        """

    /// fee's fix takes three more lines; constant's 120 changes (not a line: included).
    static let v2 = v1.replacingOccurrences(
        of: "int fee(int x) { return x * 3 + 1; }",
        with: "int fee(int x) {\n    /* fixed */\n    return x * 3 + 2;\n}"
    ).replacingOccurrences(of: "? 120 : 7", with: "? 123 : 7")

    static let main = """
        void check_failed(const char *file, int line, const char *what) { (void)file; (void)line; (void)what; }
        int main(void) { return 0; }
        """
}
