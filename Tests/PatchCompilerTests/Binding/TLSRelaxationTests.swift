import Foundation
import Shared
import TestSupport
import XCTest

@testable import PatchCompiler

/// The TLS relaxations `create` applies to -fPIC objects: the byte rewrites as a table, the
/// thread-pointer offsets checked against real processes, and the rewritten object equal to
/// what GNU ld produced from the same object.
final class TLSRelaxationTests: XCTestCase {
    /// One rewrite: bytes and relocations in, bytes and consumed relocations out.
    private struct Row {
        let name: String
        let code: [UInt8]
        let relocations: [ELFRelocation]
        let expected: [UInt8]?  // nil: left alone
    }

    /// `__tls_get_addr`'s symbol index in the rows.
    private static let getAddr = 9

    /// The rewrites, each as GNU ld writes it (-16 as the thread-pointer offset).
    private var rows: [Row] {
        let getAddr = Self.getAddr
        let tpoff: [UInt8] = [0xf0, 0xff, 0xff, 0xff]  // -16
        return [
            Row(
                name: "GD, call via PLT",
                code: [0x66, 0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0x66, 0x66, 0x48, 0xe8, 0, 0, 0, 0],
                relocations: [tls(.tlsgd, 4), tls(.plt32, 12, symbol: getAddr)],
                expected: [0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80] + tpoff),
            Row(
                name: "GD, -fno-plt",
                code: [0x66, 0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0x66, 0x48, 0xff, 0x15, 0, 0, 0, 0],
                relocations: [tls(.tlsgd, 4), tls(.gotpcrelx, 12, symbol: getAddr)],
                expected: [0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80] + tpoff),
            Row(
                name: "GD calling something else",
                code: [0x66, 0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0x66, 0x66, 0x48, 0xe8, 0, 0, 0, 0],
                relocations: [tls(.tlsgd, 4), tls(.plt32, 12, symbol: 3)],
                expected: nil),
            Row(
                name: "LD, call via PLT",
                code: [0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0],
                relocations: [tls(.tlsld, 3), tls(.plt32, 8, symbol: getAddr)],
                expected: [0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0]),
            Row(
                name: "LD, -fno-plt",
                code: [0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0xff, 0x15, 0, 0, 0, 0],
                relocations: [tls(.tlsld, 3), tls(.gotpcrelx, 9, symbol: getAddr)],
                expected: [0x66, 0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0]),
            Row(
                name: "IE, mov into %rax",
                code: [0x48, 0x8b, 0x05, 0, 0, 0, 0],
                relocations: [tls(.gottpoff, 3)],
                expected: [0x48, 0xc7, 0xc0] + tpoff),
            Row(
                name: "IE, mov into %r9",
                code: [0x4c, 0x8b, 0x0d, 0, 0, 0, 0],
                relocations: [tls(.gottpoff, 3)],
                expected: [0x49, 0xc7, 0xc1] + tpoff),
            Row(
                name: "IE, add (not rewritten)",
                code: [0x48, 0x03, 0x05, 0, 0, 0, 0],
                relocations: [tls(.gottpoff, 3)],
                expected: nil),
        ]
    }

    func testSequenceRewritesAsTheLinkerWritesThem() {
        let getAddr = Self.getAddr
        for row in rows {
            var rewriter = TLSSequenceRewriter(
                relocations: row.relocations, code: row.code, tlsGetAddr: [getAddr])
            switch row.relocations[0].type {
            case .tlsgd: rewriter.generalDynamic(at: 0, threadPointerOffset: -16)
            case .tlsld: rewriter.localDynamic(at: 0)
            default: rewriter.initialExec(at: 0, threadPointerOffset: -16)
            }
            XCTAssertEqual(rewriter.code, row.expected ?? row.code, row.name)
            XCTAssertEqual(
                rewriter.consumed, row.expected == nil ? [] : Set(row.relocations.indices), row.name)
        }
    }

    func testGeneralDynamicRelaxesToInitialExecWhenAskedTo() {
        let getAddr = Self.getAddr
        var toIE = TLSSequenceRewriter(
            relocations: [tls(.tlsgd, 4), tls(.plt32, 12, symbol: getAddr)],
            code: [0x66, 0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0x66, 0x66, 0x48, 0xe8, 0, 0, 0, 0],
            tlsGetAddr: [getAddr])
        XCTAssertTrue(toIE.generalDynamicToInitialExec(at: 0), "GD -> IE")
        XCTAssertEqual(
            toIE.code, [0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x03, 0x05, 0, 0, 0, 0], "GD -> IE")
        XCTAssertEqual(toIE.consumed, [1], "GD -> IE: the call is gone")
        XCTAssertEqual(toIE.replaced, [0: tls(.gottpoff, 12)], "GD -> IE: a GOTTPOFF on the add")
    }

    /// `&var - %fs:0` printed by real processes (PIE and fixed-address) equals the offset create
    /// computes from PT_TLS, for variables of several sizes and alignments, initialized or not.
    func testThreadPointerOffsetsMatchRealProcesses() throws {
        let fixture = try CFixture("tls-offsets")
        defer { fixture.remove() }
        try fixture.write(
            "tls.c",
            """
            #include <stdio.h>
            __thread char c1;
            __thread long l1 = 7;
            __thread struct { char pad[40]; } __attribute__((aligned(64))) wide;
            static __thread int s1 = 5;
            __thread short h1;
            static char *tp(void) { char *p; __asm__("mov %%fs:0, %0" : "=r"(p)); return p; }
            int main(void) {
                printf("c1 %ld\\nl1 %ld\\nwide %ld\\ns1 %ld\\nh1 %ld\\n", (char *)&c1 - tp(), (char *)&l1 - tp(),
                       (char *)&wide - tp(), (char *)&s1 - tp(), (char *)&h1 - tp());
                return s1 + (int)l1;
            }
            """)
        for link in ["-pie", "-no-pie"] {
            let binary = fixture.path("tls\(link)")
            try fixture.gcc(["-O2", link, "-Wl,--build-id", "tls.c", "-o", binary])
            let run = try Subprocess.run(binary, [])
            let relaxation = try TLSRelaxation(target: try TargetModule(path: binary))
            let lines = run.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, 5, run.stdout)
            for line in lines {
                let parts = line.split(separator: " ")
                let computed = try relaxation.threadPointerOffset(of: String(parts[0]), sourceFile: "tls.c")
                XCTAssertEqual(computed, Int64(parts[1]), "\(link) \(parts[0])")
            }
        }
    }

    /// A -fPIC object relaxed by create reads byte for byte like the same object linked by ld.
    func testRelaxedObjectEqualsWhatTheLinkerMade() throws {
        let fixture = try CFixture("tls-relaxed")
        defer { fixture.remove() }
        try fixture.write(
            "t.c",
            """
            __thread int tcount;
            static __thread int scount;
            static __thread long s2;
            int use_g(void) { return ++tcount; }
            int use_s(void) { scount += 2; s2 += 3; return scount + s2; }
            int main(void) { return use_g() + use_s(); }
            """)
        for flags in [["-fPIC"], ["-fPIC", "-fno-plt"]] {
            try fixture.gcc(
                ["-O2", "-ffunction-sections", "-fdata-sections"] + flags + ["-c", "t.c", "-o", "t.o"])
            try fixture.gcc(["-Wl,--build-id", "t.o", "-o", "t"])
            let target = try TargetModule(path: fixture.path("t"))
            let unit = try TLSRelaxation(target: target).relax(try ObjectUnit(path: fixture.path("t.o")))
            for name in ["use_g", "use_s"] {
                let function = try XCTUnwrap(unit.functions.first { $0.name == name })
                let old = try XCTUnwrap(try target.definition(of: name, sourceFile: "t.c"))
                let statics = try StaticLocals(
                    target: target, unit: unit, names: NumberedNames(target: target, unit: unit))
                let matcher = try ReferenceMatcher(target: target, unit: unit, statics: statics)
                XCTAssertNil(
                    try FunctionComparer(target: target, unit: unit, matcher: matcher).difference(
                        function: function, old: old),
                    "\(flags) \(name)")
                let section = try unit.section(Int(function.sectionIndex))
                let left = try unit.elf.relocations(for: section).filter {
                    [.tlsgd, .tlsld, .dtpoff32, .gottpoff].contains($0.type)
                }
                XCTAssertEqual(left, [], "\(flags) \(name): every TLS relocation relaxed")
            }
        }
    }

    private func tls(_ type: ELFRelocationType, _ offset: UInt64, symbol: Int = 1) -> ELFRelocation {
        ELFRelocation(offset: offset, type: type, symbolIndex: symbol, addend: -4)
    }
}
