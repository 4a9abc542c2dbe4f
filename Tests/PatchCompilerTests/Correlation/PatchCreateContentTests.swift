import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create` without `--function` on real gcc -O2 output: relocation targets compared by
/// content (double literals in `.rodata.cst8`, switch tables, a file-static compared with an
/// immediate, struct initializers), so exactly the function a fix touches is included.
final class PatchCreateContentTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("content") }
    override func tearDown() { fixture.remove() }

    /// The target as the corpus builds it (plain -O2, PIE), from `lib.c` and `main.c`.
    private func buildTarget(_ library: String, main: String) throws -> String {
        try fixture.write("lib.c", library)
        try fixture.write("main.c", main)
        try fixture.gcc(["-O2", "-pthread", "-g0", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        return fixture.path("prog")
    }

    /// Compiles `source` as the fix's `lib.c` and runs `hotpatch create` on it.
    /// `mode` is the target's code model: -fPIE for the default PIE build, -fno-pie for -no-pie.
    private func create(target: String, fixed source: String, mode: String = "-fPIE") throws -> ProgramResult
    {
        try fixture.write("fix/lib.c", source)
        try fixture.gcc(
            [
                "-O2", "-pthread", "-g0", "-ffunction-sections", "-fdata-sections", mode, "-c", "fix/lib.c",
                "-o", "fix.o",
            ])
        return try HotpatchCLI.run(
            [
                "create", "--target", target, "--object", fixture.path("fix.o"), "-o",
                fixture.path("fix.hotpatch"),
            ])
    }

    func testEachFixIncludesExactlyTheFunctionItTouches() throws {
        let target = try buildTarget(ContentSources.library, main: ContentSources.main)
        let cases: [(what: String, from: String, to: String, included: [String])] = [
            ("plain arithmetic", "v * 3 + 1", "v * 3 + 2", ["compute"]),
            ("a double literal", "x * 1.5", "x * 1.75", ["scale_it"]),
            ("a string a switch table reaches", "\"five\"", "\"fivE\"", ["name_of"]),
            ("a struct initializer", "{1, 2, 3, 4, 5, 6}", "{1, 2, 3, 4, 5, 7}", ["init_cfg"]),
            ("a large array initializer", "10, 11, 12}", "10, 11, 13}", ["big_init"]),
            ("the immediate compared with a static", "maxgap_us == 1", "maxgap_us == 2", ["check_gap"]),
            ("one arm of a jump table", "x << 3", "x << 4", ["jumpy"]),
            ("a string a local table of pointers holds", "\"gamma\"", "\"gammA\"", ["options"]),
        ]
        for fix in cases {
            XCTAssertTrue(ContentSources.library.contains(fix.from), fix.what)
            let result = try create(
                target: target, fixed: ContentSources.library.replacingOccurrences(of: fix.from, with: fix.to)
            )
            XCTAssertEqual(result.status, 0, "\(fix.what): \(result.stderr)")
            XCTAssertEqual(
                CreateOutput.included(result.stdout), fix.included, "\(fix.what):\n\(result.stdout)")
        }
    }

    func testSameFunctionsInAnotherBuildModeAreAllLeftOut() throws {
        // Linked -no-pie (the code is still gcc's default -fPIE): fixed addresses, all left out.
        try fixture.write("lib.c", ContentSources.library)
        try fixture.write("main.c", ContentSources.main)
        try fixture.gcc(["-O2", "-no-pie", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        let changed = ContentSources.library.replacingOccurrences(of: "v * 3 + 1", with: "v * 3 + 2")
        let result = try create(target: fixture.path("prog"), fixed: changed)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["compute"], result.stdout)
    }
}

/// Reads what `hotpatch create` printed.
enum CreateOutput {
    /// The names on `included:` lines, in order.
    static func included(_ stdout: String) -> [String] {
        names(stdout, verdict: "included: ")
    }

    /// The names on lines starting with `verdict`.
    static func names(_ stdout: String, verdict: String) -> [String] {
        stdout.split(separator: "\n").filter { $0.hasPrefix(verdict) }.map {
            let rest = $0.dropFirst(verdict.count)
            return String(rest.prefix { $0 != " " })
        }
    }
}

/// A file with the constructs that defeated address comparison: doubles, switch tables,
/// statics compared with immediates, struct and array initializers.
enum ContentSources {
    static let library = """
        #include <string.h>
        struct cfg { int a; int b; int c; int d; int e; int f; };
        static int maxgap_us;
        static int mode;
        __attribute__((noinline)) double scale_it(double x) { return x * 1.5 + 0.25; }
        __attribute__((noinline)) const char *name_of(int k) {
            switch (k) {
            case 0: return "zero"; case 1: return "one"; case 2: return "two"; case 3: return "three";
            case 4: return "four"; case 5: return "five"; case 6: return "six"; default: return "many";
            }
        }
        __attribute__((noinline)) int check_gap(int g) {
            if (maxgap_us == 1) return g;
            if (mode > 7) maxgap_us = g;
            return g + 1;
        }
        __attribute__((noinline)) int init_cfg(struct cfg *out, int k) {
            struct cfg c = {1, 2, 3, 4, 5, 6};
            c.d = k; *out = c; return c.a + c.f;
        }
        __attribute__((noinline)) int big_init(int *out, int k) {
            int c[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
            c[k & 7] = k; memcpy(out, c, sizeof c); return c[3];
        }
        __attribute__((noinline)) int compute(int v) { return v * 3 + 1; }
        __attribute__((noinline)) void set_mode(int m) { mode = m; }
        struct opt { const char *name; int has_arg; int *flag; int val; };
        void take_options(struct opt *options);
        /* Large enough that gcc copies it from an anonymous table of pointers (section + offset
           into the merged strings), as memcached's main does with its option table. */
        __attribute__((noinline)) int options(int k) {
            struct opt table[] = {{"alpha", 1, 0, 'a'}, {"beta", 0, 0, 'b'}, {"gamma", 1, 0, 'g'},
                {"delta", 0, 0, 'd'}, {"epsilon", 1, 0, 'e'}, {"zeta", 0, 0, 'z'}, {"eta", 1, 0, 'h'},
                {"theta", 0, 0, 't'}, {"iota", 1, 0, 'i'}, {"kappa", 0, 0, 'k'}, {"lambda", 1, 0, 'l'},
                {"mu", 0, 0, 'm'}, {"nu", 1, 0, 'n'}, {"xi", 0, 0, 'x'}, {0, 0, 0, 0}};
            take_options(table);
            return table[k & 3].val;
        }
        __attribute__((noinline)) int jumpy(int k, int x) {
            switch (k) {
            case 0: return x * 7; case 1: return x + 22; case 2: return x ^ 37; case 3: return x / 41;
            case 4: return x - 59; case 5: return x % 63; case 6: return x << 3; default: return 0;
            }
        }
        """

    static let main = """
        #include <stdio.h>
        struct cfg { int a; int b; int c; int d; int e; int f; };
        double scale_it(double); const char *name_of(int); int check_gap(int); int init_cfg(struct cfg *, int);
        int compute(int); int big_init(int *, int); void set_mode(int); int jumpy(int, int);
        struct opt; void take_options(struct opt *options) { (void)options; }
        int options(int k);
        int main(int argc, char **argv) {
            struct cfg c; int b[12]; (void)argv; set_mode(argc);
            printf("%f %s %d %d %d %d %d\\n", scale_it(argc), name_of(argc), check_gap(argc), init_cfg(&c, argc),
                compute(argc), big_init(b, argc), jumpy(argc, argc) + options(argc));
            return 0;
        }
        """
}
