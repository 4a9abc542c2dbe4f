import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create` and IFUNCs the target defines (`__attribute__((ifunc))`): an unchanged caller
/// compares equal through the IRELATIVE PLT entry, a changed one binds to the IRELATIVE slot (never
/// the resolver), and an IFUNC the target never calls has no slot: refused, naming it.
final class IFUNCBindingCreateTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("ifunc-create") }
    override func tearDown() { fixture.remove() }

    private static func source(callerAdds: Int, callsPick: Bool) -> String {
        """
        static long pick_a(long x) { return x + 1; }
        static long pick_b(long x) { return x + 2; }
        static long (*resolve_pick(void))(long) { return pick_b; }
        long pick(long x) __attribute__((ifunc("resolve_pick")));
        __attribute__((noipa)) long caller(long x) { return \(callsPick ? "pick(x)" : "x") + \(callerAdds); }
        __attribute__((noipa)) long other(long x) { return \(callsPick ? "pick(x) + " : "")x * 3; }
        int main(int argc, char **argv) { (void)argv; return (int)(caller(argc) + other(argc)); }
        """
    }

    /// Builds the target from v1 and the object from v2 (same file name, -fPIE as the target).
    private func create(v1: String, v2: String) throws -> ProgramResult {
        try fixture.write("prog.c", v1)
        try fixture.gcc(["-O2", "-Wl,--build-id", "prog.c", "-o", "prog"])
        try fixture.write("fix/prog.c", v2)
        try fixture.gcc([
            "-O2", "-fPIE", "-ffunction-sections", "-fdata-sections", "-c", "fix/prog.c", "-o", "prog.o",
        ])
        return try HotpatchCLI.run([
            "create", "--target", fixture.path("prog"), "--object", fixture.path("prog.o"), "-o",
            fixture.path("fix.hotpatch"),
        ])
    }

    func testChangedCallerBindsToTheIRELATIVESlotAndTheUnchangedOneIsLeftOut() throws {
        let result = try create(
            v1: Self.source(callerAdds: 10, callsPick: true), v2: Self.source(callerAdds: 20, callsPick: true)
        )
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("included: caller"), result.stdout)
        XCTAssertTrue(
            result.stdout.contains("left out: other"), "an unchanged caller of pick: \(result.stdout)")
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        let binding = try XCTUnwrap(patch.targetBindings.first { $0.symbol == "pick" })
        XCTAssertEqual(binding.kind, .slotValue)
        let elf = try ELFFile(bytes: try fixture.bytes(fixture.path("prog")))
        let resolver = try XCTUnwrap(try elf.symbolTable()?.first { $0.name == "pick" }).value
        let irelative = try elf.sections.filter { $0.type == .rela }.flatMap { try elf.relocations(in: $0) }
            .filter { $0.type.rawValue == 37 && UInt64(bitPattern: $0.addend) == resolver }
        XCTAssertEqual(
            irelative.map { ModuleAddress($0.offset) }, [binding.address], "the slot the resolver fills")
        let inspect = try HotpatchCLI.run(["inspect", fixture.path("fix.hotpatch")])
        XCTAssertTrue(
            inspect.stdout.contains("pick -> what the process holds in the target's slot"), inspect.stdout)
    }

    func testAChangedResolverIsRefused() throws {
        let v1 = Self.source(callerAdds: 10, callsPick: true)
        let result = try create(
            v1: v1, v2: v1.replacingOccurrences(of: "return pick_b;", with: "return pick_a;"))
        XCTAssertNotEqual(result.status, 0, result.stdout)
        XCTAssertTrue(
            result.stderr.contains("the fix changes resolve_pick, the resolver of IFUNC pick"), result.stderr)
    }

    func testAnIFUNCTheTargetNeverCallsIsRefusedByName() throws {
        let result = try create(
            v1: Self.source(callerAdds: 10, callsPick: false),
            v2: Self.source(callerAdds: 20, callsPick: true))
        XCTAssertNotEqual(result.status, 0, result.stdout)
        XCTAssertTrue(result.stderr.contains("the fix calls pick, an IFUNC of"), result.stderr)
        XCTAssertTrue(result.stderr.contains("never to its resolver"), result.stderr)
    }
}
