import Foundation
import Shared
import TestSupport
import XCTest

/// GCC's parts (`X.cold`) and clones (`X.constprop.N`, `X.isra.N`) on real gcc -O2 output: a
/// part travels with its function, is never jumped at nor bound to, and is guarded; a changed
/// clone replaces the target's clone.
final class PatchCreatePartsTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("parts") }
    override func tearDown() { fixture.remove() }

    private func target(_ source: String) throws -> String {
        try fixture.write("lib.c", source)
        try fixture.write("main.c", "int main(void) { return 0; }\n")
        try fixture.gcc(["-O2", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        return fixture.path("prog")
    }

    private func create(_ target: String, fixed source: String, extra: [String] = []) throws -> ProgramResult
    {
        try fixture.write("fix/lib.c", source)
        try fixture.gcc(
            ["-O2", "-ffunction-sections", "-fdata-sections", "-fPIE", "-c", "fix/lib.c", "-o", "fix.o"])
        return try HotpatchCLI.run(
            [
                "create", "--target", target, "--object", fixture.path("fix.o"), "-o",
                fixture.path("fix.hotpatch"),
            ]
                + extra)
    }

    private func symbol(_ name: String, in binary: String) throws -> ELFSymbol {
        let symbols = try XCTUnwrap(try ELFFile(bytes: try fixture.bytes(binary)).symbolTable())
        return try XCTUnwrap(symbols.first { $0.name == name }, "\(name) not in \(binary)")
    }

    func testOnlyTheColdPartChangedIncludesTheFunctionWithItsNewPartAndGuardsTheOld() throws {
        let binary = try target(PartsSources.cold)
        let result = try create(binary, fixed: PartsSources.cold.replacingOccurrences(of: "-22", with: "-75"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["validate"], result.stdout)
        XCTAssertTrue(result.stdout.contains("its part validate.cold"), result.stdout)
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        let cold = try symbol("validate.cold", in: binary)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["validate"], "no jump at the part")
        XCTAssertEqual(
            patch.replacedFunctions.first?.parts,
            [FunctionPart(address: ModuleAddress(cold.value), size: cold.size, name: "validate.cold")])
        XCTAssertNotNil(patch.definedSymbol(named: "validate.cold"), "the new part travels with validate")
        XCTAssertFalse(
            patch.targetBindings.contains { $0.address.rawValue == cold.value }, "bound to the old part")
        let inspected = try HotpatchCLI.run(["inspect", fixture.path("fix.hotpatch")])
        XCTAssertTrue(
            inspected.stdout.contains("[old part validate.cold at \(ModuleAddress(cold.value)), \(cold.size) bytes: guarded]"),
            inspected.stdout)
    }

    func testFunctionNamedWithItsHotPartChangedCarriesItsOwnColdPart() throws {
        let binary = try target(PartsSources.cold)
        let result = try create(
            binary, fixed: PartsSources.cold.replacingOccurrences(of: "k * 2 + 1", with: "k * 2 + 3"),
            extra: ["--function", "validate"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        let cold = try symbol("validate.cold", in: binary)
        XCTAssertNotNil(patch.definedSymbol(named: "validate.cold"))
        XCTAssertFalse(patch.targetBindings.contains { $0.address.rawValue == cold.value }, result.stdout)
        XCTAssertFalse(result.stdout.contains("binds: validate.cold"), result.stdout)
    }

    func testUnchangedPartsStayOutAndAreNotListedAsNewFunctions() throws {
        let binary = try target(PartsSources.cold)
        let result = try create(
            binary, fixed: PartsSources.cold.replacingOccurrences(of: "(k * 31) ^ 7", with: "(k * 31) ^ 9"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["checksum"], result.stdout)
        XCTAssertFalse(result.stdout.contains("validate.cold"), result.stdout)
    }

    func testCallersOfAChangedPartialInliningPartAreIncluded() throws {
        // GCC inlines lookup's test into use_a and use_b, which then call lookup.part.0 directly:
        // a change in the part must reach them too (a jump at lookup's entry does not).
        let binary = try target(PartsSources.partial)
        let result = try create(
            binary, fixed: PartsSources.partial.replacingOccurrences(of: "s + 5", with: "s + 6"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["lookup", "use_a", "use_b"], result.stdout)
        XCTAssertTrue(
            result.stdout.contains("it calls lookup.part.0, a part of changed lookup"), result.stdout)
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        XCTAssertEqual(
            patch.replacedFunctions.first { $0.oldName == "lookup" }?.parts.map(\.name), ["lookup.part.0"])
        // A change elsewhere leaves the part and its callers alone (bound to the old, unchanged part).
        let other = try create(
            binary, fixed: PartsSources.partial.replacingOccurrences(of: "* 2) + 2", with: "* 2) + 3"))
        XCTAssertEqual(CreateOutput.included(other.stdout), ["use_b"], other.stdout)
    }

    func testATooShortFunctionTravelsAsNewCodeAndItsCallersAreReplaced() throws {
        // times100 is `imul; ret` (4 bytes) with priced right after it: no room for the jump.
        let source = """
            __attribute__((noinline)) int times100(int x) { return x * 100; }
            __attribute__((noinline)) int priced(int x) { return times100(x) + 1; }
            __attribute__((noinline)) int other(int x) { return x - 1; }
            """
        try fixture.write("lib.c", source)
        try fixture.write("main.c", "int main(void) { return 0; }\n")
        try fixture.gcc(["-O2", "-falign-functions=1", "-Wl,--build-id", "lib.c", "main.c", "-o", "prog"])
        try fixture.write("fix/lib.c", source.replacingOccurrences(of: "x * 100;", with: "x * 100 + 7;"))
        try fixture.gcc([
            "-O2", "-falign-functions=1", "-ffunction-sections", "-fdata-sections", "-fPIE", "-c",
            "fix/lib.c",
            "-o", "fix.o",
        ])
        let result = try HotpatchCLI.run([
            "create", "--target", fixture.path("prog"), "--object", fixture.path("fix.o"), "-o",
            fixture.path("fix.hotpatch"),
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["priced"], result.stdout)
        XCTAssertTrue(
            result.stdout.contains("new function: times100 (changed, but its 4 bytes"), result.stdout)
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["priced"])
        XCTAssertNotNil(patch.definedSymbol(named: "times100"), "the new times100 travels with priced")
        XCTAssertFalse(patch.targetBindings.contains { $0.symbol == "times100" }, result.stdout)
    }

    func testChangedCloneReplacesTheTargetsClone() throws {
        let binary = try target(PartsSources.clones)
        let constprop = try XCTUnwrap(
            try ELFFile(bytes: try fixture.bytes(binary)).symbolTable()?.first {
                $0.name.hasPrefix("scale.constprop.")
            })
        let result = try create(
            binary, fixed: PartsSources.clones.replacingOccurrences(of: "x * m + 1", with: "x * m + 2"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let included = CreateOutput.included(result.stdout)
        XCTAssertEqual(included.count, 1, result.stdout)
        XCTAssertTrue(included.first?.hasPrefix("scale.constprop.") ?? false, result.stdout)
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        XCTAssertEqual(patch.replacedFunctions.first?.oldAddress, ModuleAddress(constprop.value))
        // The isra clone's change is found the same way.
        let isra = try create(
            binary, fixed: PartsSources.clones.replacingOccurrences(of: "p->b * 5", with: "p->b * 6"))
        XCTAssertEqual(isra.status, 0, isra.stderr)
        XCTAssertEqual(
            CreateOutput.included(isra.stdout).map { GCCNameForTests.unnumbered($0) }, ["weigh.isra"],
            isra.stdout)
    }
}

/// Drops GCC's numbers from a name, for assertions that must not depend on them.
enum GCCNameForTests {
    static func unnumbered(_ name: String) -> String {
        name.split(separator: ".").filter { !$0.allSatisfy(\.isNumber) }.joined(separator: ".")
    }
}

/// Sources whose gcc -O2 output has parts and clones.
enum PartsSources {
    /// validate's error path goes to validate.cold.
    static let cold = """
        static volatile int errors;
        __attribute__((cold, noinline)) static void note_error(int k) { errors += k; }
        __attribute__((noinline)) int validate(int k) {
            if (__builtin_expect(k < 0, 0)) { note_error(k); return -22; }
            return k * 2 + 1;
        }
        __attribute__((noinline)) int checksum(int k) { return (k * 31) ^ 7; }
        """

    /// lookup's early return is inlined into its callers, the rest is lookup.part.0.
    static let partial = """
        static int table[256];
        int lookup(int k) {
            if (__builtin_expect(k < 0, 1)) return -1;
            int s = 0;
            for (int i = 0; i < k && i < 256; i++) { s += table[i] * i; s ^= (s << 3); s += i * 7; table[i] = s; }
            for (int i = 0; i < k && i < 128; i++) { s -= table[i + 1]; s = s * 31 + i; }
            return s + 5;
        }
        int use_a(int k) { return lookup(k) + 1; }
        int use_b(int k) { return lookup(k * 2) + 2; }
        """

    /// scale is always called with m = 3 (scale.constprop.N); weigh uses one field of its
    /// argument (weigh.isra.N).
    static let clones = """
        struct pair { int a; int b; int pad[8]; };
        __attribute__((noinline)) static int scale(int x, int m) { return x * m + 1; }
        __attribute__((noinline)) static int weigh(struct pair *p) { return p->b * 5; }
        int use_scale(int x) { return scale(x, 3) + scale(x + 1, 3); }
        int use_weigh(int x) { struct pair p = {x, x + 1, {0}}; return weigh(&p) + x; }
        """
}
