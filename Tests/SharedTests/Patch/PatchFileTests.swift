import Foundation
import Shared
import TestSupport
import XCTest

/// A patch built from real gcc output loads back with everything the agent needs.
final class PatchFileTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("patchfile") }
    override func tearDown() { fixture.remove() }

    private func makePatch() throws -> (bytes: [UInt8], path: String) {
        let object = try fixture.object(
            "fix",
            """
            #include <stdio.h>
            extern int requests;
            static int calls;
            int is_even(int n) { calls++; requests++; if (n < 0) puts("negative input"); return n % 2 == 0; }
            """)
        let builder = PatchBuilder(objects: [try ELFFile(bytes: try fixture.bytes(object))])
        let metadata = PatchMetadata(
            kind: .relocatable, id: PatchID("fix-1")!, description: "parity fix",
            targetPathHint: "/srv/parity",
            targetBuildID: BuildID(hex: "aabbccdd")!)
        let bytes = try builder.build(
            metadata: metadata,
            replacing: [
                .init(
                    newSymbol: "is_even", oldAddress: ModuleAddress(0x1139), oldSize: 40, oldName: "is_even")
            ],
            bind: { _, symbol in symbol.name == "requests" ? ModuleAddress(0x4010) : nil })
        let path = fixture.path("fix.hotpatch")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (bytes, path)
    }

    func testBuiltPatchLoadsWithSectionsSymbolsRelocationsAndMetadata() throws {
        let (bytes, _) = try makePatch()
        let patch = try PatchFile(bytes: bytes)
        XCTAssertEqual(patch.id.rawValue, "fix-1")
        XCTAssertEqual(patch.kind, .relocatable)
        XCTAssertEqual(patch.targetBuildID.hex, "aabbccdd")
        XCTAssertEqual(patch.replacedFunctions.map(\.newName), ["is_even"])
        XCTAssertEqual(
            patch.targetBindings, [TargetBinding(address: ModuleAddress(0x4010), symbol: "requests")])
        XCTAssertEqual(patch.contentHash, SHA256.hash(bytes))
        XCTAssertNil(patch.signature)

        let text = try XCTUnwrap(patch.sections.first { $0.name == ".text.is_even" })
        XCTAssertTrue(text.flags.contains(.execute))
        XCTAssertFalse(text.bytes.isEmpty)
        let referenced = Set(text.relocations.map { patch.symbols[$0.symbolIndex].name })
        XCTAssertTrue(referenced.isSuperset(of: ["requests", "puts"]), "\(referenced)")
        // The string literal and the new static variable are carried, zero-filled where gcc put it in .bss.
        XCTAssertTrue(
            patch.sections.contains {
                $0.name.hasPrefix(".rodata") && $0.name.contains("str") && !$0.bytes.isEmpty
            })
        let calls = try XCTUnwrap(patch.sections.first { $0.name == ".bss.calls" })
        XCTAssertTrue(calls.isZeroFill)
        XCTAssertEqual(calls.size, 4)
        XCTAssertEqual(Set(patch.undefinedSymbols.map(\.name)), ["requests", "puts"])
        let isEven = try XCTUnwrap(patch.definedSymbol(named: "is_even"))
        XCTAssertEqual(patch.section(of: isEven)?.name, ".text.is_even")
    }

    func testStandardToolsReadThePatchWithoutComplaint() throws {
        let (_, path) = try makePatch()
        let readelf = try Subprocess.run("/usr/bin/readelf", ["-aW", path])
        XCTAssertEqual(readelf.status, 0)
        XCTAssertEqual(readelf.stderr, "")
        XCTAssertTrue(readelf.stdout.contains(".hotpatch"))
        XCTAssertTrue(readelf.stdout.contains("REL (Relocatable file)"))
        let objdump = try Subprocess.run("/usr/bin/objdump", ["-dr", path])
        XCTAssertEqual(objdump.stderr, "")
        XCTAssertTrue(objdump.stdout.contains("<is_even>:"))
        XCTAssertTrue(objdump.stdout.contains("R_X86_64_PLT32\tputs"), objdump.stdout)
    }

    func testPatchWithNewerFormatVersionIsRefused() throws {
        var (bytes, _) = try makePatch()
        let elf = try ELFFile(bytes: bytes)
        let metadata = try XCTUnwrap(elf.section(named: ".hotpatch"))
        bytes[Int(metadata.offset) + 8] = 9
        XCTAssertThrowsError(try PatchFile(bytes: bytes)) { error in
            XCTAssertEqual(error as? PatchFormatError, .versionTooNew(found: 9, supported: 1))
        }
    }

    func testEveryPrefixOfAPatchThrowsCleanly() throws {
        let (bytes, _) = try makePatch()
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try PatchFile(bytes: Array(bytes[0..<length])))
        }
    }
}
