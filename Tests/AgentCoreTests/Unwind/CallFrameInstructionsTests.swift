import Shared
import TestSupport
import XCTest

@testable import AgentCore

/// The CFA interpreter against real gcc output: every row `readelf --debug-dump=frames-interp`
/// prints for a small program built at -O0 and -O2 must be the row the interpreter computes.
final class CallFrameInstructionsTests: XCTestCase {
    static let source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        __attribute__((noinline)) long leaf(long a) { return a * 3 + 1; }
        __attribute__((noinline)) long saver(long a, long b, long c) {
            long keep[4]; long d = a;
            for (long i = 0; i < a; i++) { keep[i & 3] = leaf(i + b) ^ c; d += keep[(i + 1) & 3]; }
            return d + leaf(b) + leaf(c);
        }
        __attribute__((noinline)) long variable(int n) {
            char *buffer = __builtin_alloca(n + 16); memset(buffer, n, n + 16);
            return saver(buffer[3], n, buffer[n]);
        }
        int main(int argc, char **argv) { printf("%ld\\n", variable(argc + 20) + saver(argc, 2, 3)); return 0; }
        """

    /// DWARF column of a register name as readelf prints it.
    static let columns: [String: UInt16] = [
        "rax": 0, "rdx": 1, "rcx": 2, "rbx": 3, "rsi": 4, "rdi": 5, "rbp": 6, "rsp": 7, "r8": 8, "r9": 9,
        "r10": 10, "r11": 11, "r12": 12, "r13": 13, "r14": 14, "r15": 15, "ra": 16,
    ]

    func testRowsMatchReadelf() throws {
        let fixture = try CFixture("cfi")
        defer { fixture.remove() }
        // The two builds of the small program, and the C library every target's threads sleep in.
        let libc = "/lib/x86_64-linux-gnu/libc.so.6"
        let binaries = [
            ("-O0", try fixture.link("prog-O0", Self.source, flags: ["-O0"])),
            ("-O2", try fixture.link("prog-O2", Self.source, flags: ["-O2"])),
        ] + (FileManager.default.fileExists(atPath: libc) ? [("libc", libc)] : [])
        for (level, binary) in binaries {
            let table = try XCTUnwrap(FrameTable(elf: try ELFFile(bytes: try fixture.bytes(binary))))
            let dump = try Subprocess.run("/usr/bin/readelf", ["--debug-dump=frames-interp", "-W", binary]).stdout
            var header: [String] = []
            var checked = 0
            var expressions = 0
            var emptyRange = false  // a CIE's rows, or an FDE covering no code
            for line in dump.split(separator: "\n") {
                let fields = line.split(separator: " ").map(String.init)
                if let range = fields.first(where: { $0.hasPrefix("pc=") }) {
                    let ends = range.dropFirst(3).split(separator: ".")
                    emptyRange = ends.count == 2 && ends[0] == ends[1]
                    header = []
                    continue
                }
                if fields.count >= 4 && fields[3] == "CIE" {  // a CIE's initial row, at no address
                    emptyRange = true
                    continue
                }
                if emptyRange { continue }
                if fields.first == "LOC" {
                    header = fields
                    continue
                }
                guard header.count >= 2, fields.count == header.count, fields[0].count == 16,
                    let location = UInt64(fields[0], radix: 16)
                else { continue }
                let row: FrameRule
                do {
                    row = try table.row(at: location)
                } catch {
                    XCTAssertEqual(fields[1], "exp", "\(level) 0x\(fields[0]): \(error)")
                    expressions += 1
                    continue
                }
                assertRow(row, readelf: fields, header: header, at: "\(level) 0x\(fields[0])")
                checked += 1
            }
            XCTAssertGreaterThan(checked, 10, "\(level): rows checked")
            print("CallFrameInstructionsTests \(level): \(checked) rows equal to readelf, \(expressions) expression rows refused")
        }
    }

    /// One row of `table` against readelf's: the CFA, then each register column readelf lists
    /// (`u` undefined or same, `s` same value, `cN` saved at CFA+N, anything else not handled).
    private func assertRow(_ row: FrameRule, readelf fields: [String], header: [String], at place: String) {
        let cfa = fields[1]
        let sign = cfa.firstIndex { $0 == "+" || $0 == "-" }!
        XCTAssertEqual(row.cfaRegister, Self.columns[String(cfa[..<sign])], "\(place) CFA")
        XCTAssertEqual(row.cfaOffset, Int64(cfa[cfa.index(after: sign)...])!, "\(place) CFA")
        for (name, text) in zip(header.dropFirst(2), fields.dropFirst(2)) {
            guard let column = Self.columns[name] else {
                XCTFail("\(place): unknown column \(name)")
                continue
            }
            let rule = row.rule(column)
            switch text {
            case "u": XCTAssert(rule == .sameValue || rule == .undefined, "\(place) \(name)")
            case "s": XCTAssertEqual(rule, .sameValue, "\(place) \(name)")
            default:
                if text.hasPrefix("c") {
                    XCTAssertEqual(rule, .savedAt(Int64(text.dropFirst())!), "\(place) \(name)")
                } else {
                    XCTAssertEqual(rule, .unknown, "\(place) \(name) \(text)")
                }
            }
        }
    }

    /// `_start` ends the walk: its return address column is undefined.
    func testStartIsOutermost() throws {
        let fixture = try CFixture("cfi-start")
        defer { fixture.remove() }
        let binary = try fixture.link("prog", Self.source, flags: ["-O2"])
        let elf = try ELFFile(bytes: try fixture.bytes(binary))
        let table = try XCTUnwrap(FrameTable(elf: elf))
        let start = elf.header.entry
        XCTAssertEqual(try table.row(at: start).rule(16), .undefined)
    }
}
