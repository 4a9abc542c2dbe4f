import Shared
import TestSupport
import XCTest

/// The ELF reader on real gcc output, checked against what readelf says about the same files.
final class ELFReaderTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("elf") }
    override func tearDown() { fixture.remove() }

    private let source = """
        #include <stdio.h>
        int counter = 7;
        __attribute__((noinline)) static int bump(int x) { return x + counter++; }
        int main(int argc, char **argv) { printf("%d\\n", bump(argc)); return 0; }
        """

    func testExecutableHeaderSymbolsBuildIDAndNeededLibraries() throws {
        let path = try fixture.link("prog", source, flags: ["-O1", "-pie", "-fPIE", "-Wl,--build-id"])
        let elf = try ELFFile(bytes: try fixture.bytes(path))
        XCTAssertEqual(elf.header.type, .sharedObject)  // PIE
        XCTAssertTrue(elf.programHeaders.contains { $0.type == ELFProgramHeader.load })
        let readelfNotes = try Subprocess.run("/usr/bin/readelf", ["-n", path]).stdout
        let buildID = try XCTUnwrap(try elf.buildID())
        XCTAssertTrue(readelfNotes.contains("Build ID: \(buildID.hex)"), readelfNotes)
        XCTAssertEqual(try elf.neededLibraries(), ["libc.so.6"])
        let symbols = try XCTUnwrap(try elf.symbolTable())
        let counter = try XCTUnwrap(symbols.first { $0.name == "counter" })
        XCTAssertEqual(counter.type, .object)
        XCTAssertEqual(counter.size, 4)
        // The initializer is readable through the program headers at the symbol's address.
        XCTAssertEqual(Array(try elf.bytes(atAddress: counter.value, count: 4)), [7, 0, 0, 0])
        let bump = try XCTUnwrap(symbols.first { $0.name == "bump" })
        XCTAssertEqual(bump.binding, .local)
        XCTAssertTrue(
            try XCTUnwrap(try elf.dynamicSymbols()).contains { $0.name == "printf" && !$0.isDefined })
    }

    func testObjectRelocationsMatchReadelf() throws {
        let path = try fixture.object("unit", source)
        let elf = try ELFFile(bytes: try fixture.bytes(path))
        XCTAssertEqual(elf.header.type, .relocatable)
        let text = try XCTUnwrap(elf.section(named: ".text.startup.main") ?? elf.section(named: ".text.main"))
        let symbols = try XCTUnwrap(try elf.symbolTable())
        let relocations = try elf.relocations(for: text)
        let printf = try XCTUnwrap(relocations.first { symbols[$0.symbolIndex].name == "printf" })
        XCTAssertEqual(printf.type, .plt32)
        XCTAssertEqual(printf.addend, -4)
        let readelf = try Subprocess.run("/usr/bin/readelf", ["-rW", path]).stdout
        XCTAssertTrue(readelf.contains("R_X86_64_PLT32"), readelf)
        XCTAssertEqual(
            readelf.components(separatedBy: "\n").filter { $0.contains("R_X86_64_") }.count,
            try elf.sections.filter { $0.type == .rela }.reduce(0) {
                $0 + (try elf.relocations(in: $1)).count
            })
    }

    func testSharedLibraryHasSonameAndDynamicSymbols() throws {
        let path = try fixture.link(
            "libdemo.so", "int demo_answer(void) { return 42; }",
            flags: ["-shared", "-fPIC", "-Wl,-soname,libdemo.so.1"])
        let elf = try ELFFile(bytes: try fixture.bytes(path))
        XCTAssertEqual(try elf.soname(), "libdemo.so.1")
        XCTAssertTrue(
            try XCTUnwrap(try elf.dynamicSymbols()).contains { $0.name == "demo_answer" && $0.isDefined })
    }
}
