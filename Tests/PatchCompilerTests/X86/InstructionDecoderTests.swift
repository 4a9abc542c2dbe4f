import Foundation
import Shared
import TestSupport
import XCTest

@testable import PatchCompiler

/// The x86-64 length decoder against objdump, row by row, on real gcc output (-O2, -O3 with AVX2,
/// -O3 with AVX-512) and on parts of the system's libc (hand-written SSE/AVX2/EVEX string
/// functions and general C): every instruction's length, every relative branch and its target,
/// every alignment nop must be what objdump says.
final class InstructionDecoderTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("decoder") }
    override func tearDown() { fixture.remove() }

    func testLengthsBranchesAndNopsAgreeWithObjdumpOnGccOutput() throws {
        try fixture.write("mix.c", DecoderSources.mix)
        let builds: [(name: String, flags: [String])] = [
            ("o2", ["-O2"]),
            ("o2pic", ["-O2", "-fPIC", "-shared"]),
            ("o3avx2", ["-O3", "-mavx2", "-mfma"]),
            ("o3avx512", ["-O3", "-march=skylake-avx512"]),
            ("o2small", ["-Os", "-fno-pie", "-no-pie"]),
        ]
        var total = 0
        for build in builds {
            try fixture.gcc(build.flags + ["-g0", "mix.c", "-o", build.name, "-lm"])
            let rows = try compare(fixture.path(build.name))
            XCTAssertGreaterThan(rows, 300, build.name)
            total += rows
        }
        print("decoder vs objdump on gcc output: \(total) instructions")
    }

    func testLengthsBranchesAndNopsAgreeWithObjdumpOnLibc() throws {
        let libc = "/lib/x86_64-linux-gnu/libc.so.6"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: libc), "no \(libc)")
        let file = try ELFFile(bytes: try fixture.bytes(libc))
        let text = try XCTUnwrap(file.section(named: ".text"))
        // Three 64 KiB windows: general C, and the two regions holding the SIMD string functions.
        var total = 0
        for fraction in [0.15, 0.37, 0.9] {
            let start = text.address + UInt64(Double(text.size) * fraction) / 16 * 16
            total += try compare(libc, from: start, to: min(start + 0x10000, text.address + text.size))
        }
        XCTAssertGreaterThan(total, 20000)
        print("decoder vs objdump on libc: \(total) instructions")
    }

    func testShapesTheComparerReliesOn() {
        // bytes, length, branch kind and target (decoded at 0x1000), RIP field, immediate, nop
        let rows:
            [(
                bytes: [UInt8], length: Int, branch: X86BranchKind?, target: UInt64?, rip: Int?, imm: Int,
                nop: Bool
            )] = [
                ([0x90], 1, nil, nil, nil, 0, true),
                ([0x66, 0x90], 2, nil, nil, nil, 0, true),  // xchg %ax,%ax
                ([0x41, 0x90], 2, nil, nil, nil, 0, false),  // xchg %eax,%r8d
                ([0xf3, 0x90], 2, nil, nil, nil, 0, false),  // pause
                ([0x0f, 0x1f, 0x44, 0x00, 0x00], 5, nil, nil, nil, 0, true),
                ([0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0], 10, nil, nil, nil, 0, true),  // cs nopw
                ([0x48, 0x8d, 0x76, 0x00], 4, nil, nil, nil, 0, true),  // lea 0x0(%rsi),%rsi
                ([0x8d, 0x76, 0x00], 3, nil, nil, nil, 0, false),  // lea 0x0(%rsi),%esi zero-extends
                ([0x48, 0x8d, 0x76, 0x08], 4, nil, nil, nil, 0, false),
                ([0xeb, 0x10], 2, .jump, 0x1012, nil, 0, false),
                ([0xe9, 0x00, 0x01, 0x00, 0x00], 5, .jump, 0x1105, nil, 0, false),
                ([0x76, 0xfe], 2, .conditional(6), 0x1000, nil, 0, false),  // jbe .
                ([0x0f, 0x86, 0xfa, 0xff, 0xff, 0xff], 6, .conditional(6), 0x1000, nil, 0, false),
                ([0xe8, 0xfb, 0xff, 0xff, 0xff], 5, .call, 0x1000, nil, 0, false),
                ([0xe3, 0x00], 2, .loop(0xe3), 0x1002, nil, 0, false),  // jrcxz
                ([0x48, 0x8b, 0x05, 1, 2, 3, 4], 7, nil, nil, 3, 0, false),  // mov x(%rip),%rax
                ([0x83, 0x3d, 1, 2, 3, 4, 0x01], 7, nil, nil, 2, 1, false),  // cmpl $1,x(%rip)
                ([0xc7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8], 10, nil, nil, 2, 4, false),  // movl $imm32,x(%rip)
                ([0x66, 0xc7, 0x05, 1, 2, 3, 4, 5, 6], 9, nil, nil, 3, 2, false),  // movw $imm16,x(%rip)
                ([0xf6, 0x05, 1, 2, 3, 4, 0x01], 7, nil, nil, 2, 1, false),  // testb $1,x(%rip)
                ([0xf6, 0x1d, 1, 2, 3, 4], 6, nil, nil, 2, 0, false),  // negb x(%rip): no immediate
                ([0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8], 10, nil, nil, nil, 8, false),  // movabs
                ([0xa1, 1, 2, 3, 4, 5, 6, 7, 8], 9, nil, nil, nil, 8, false),  // mov moffs64,%eax
                ([0xc5, 0xfd, 0x6f, 0x05, 1, 2, 3, 4], 8, nil, nil, 4, 0, false),  // vmovdqa x(%rip),%ymm0
                ([0xc4, 0xe3, 0x7d, 0x18, 0x05, 1, 2, 3, 4, 0x01], 10, nil, nil, 5, 1, false),  // vinsertf128
                ([0x62, 0xf1, 0xfe, 0x48, 0x6f, 0x05, 1, 2, 3, 4], 10, nil, nil, 6, 0, false),  // vmovdqu64 zmm
                ([0x62, 0xf3, 0x7d, 0x48, 0x3f, 0x05, 1, 2, 3, 4, 0x00], 11, nil, nil, 6, 1, false),  // vpcmpb
                ([0xc5, 0xf8, 0x77], 3, nil, nil, nil, 0, false),  // vzeroupper
                ([0x0f, 0x3a, 0x0f, 0xc1, 0x08], 5, nil, nil, nil, 1, false),  // palignr
                ([0xf3, 0x0f, 0x1e, 0xfa], 4, nil, nil, nil, 0, false),  // endbr64
                ([0xc7, 0xf8, 0x10, 0, 0, 0], 6, .transaction, 0x1016, nil, 0, false),  // xbegin
                ([0xc7, 0xc0, 0x10, 0, 0, 0], 6, nil, nil, nil, 4, false),  // mov $0x10,%eax
            ]
        for row in rows {
            let name = row.bytes.map { String($0, radix: 16) }.joined(separator: " ")
            guard let decoded = InstructionDecoder.decode(row.bytes, at: 0, address: 0x1000) else {
                XCTFail("\(name): not decoded")
                continue
            }
            XCTAssertEqual(decoded.length, row.length, name)
            XCTAssertEqual(decoded.branch?.kind, row.branch, name)
            XCTAssertEqual(decoded.branch?.target, row.target, name)
            XCTAssertEqual(decoded.ripDisplacement, row.rip, name)
            XCTAssertEqual(decoded.immediateSize, row.imm, name)
            XCTAssertEqual(decoded.isNop, row.nop, name)
        }
        // Cut short, or not an instruction in 64-bit mode: nil, never a guess.
        XCTAssertNil(InstructionDecoder.decode([0x48, 0x8b, 0x05, 1, 2], at: 0, address: 0))
        XCTAssertNil(InstructionDecoder.decode([0x06], at: 0, address: 0))  // push %es
        XCTAssertNil(InstructionDecoder.decode([0xd4, 0x0a], at: 0, address: 0))  // aam
    }

    /// Checks every instruction objdump prints for `.text` of `path` (or the window given) and
    /// returns how many rows were checked; every disagreement is a failure naming the row.
    private func compare(_ path: String, from: UInt64? = nil, to: UInt64? = nil) throws -> Int {
        let file = try ELFFile(bytes: try fixture.bytes(path))
        let text = try XCTUnwrap(file.section(named: ".text"))
        let bytes = Array(try file.contents(of: text))
        var arguments = ["-d", "-w", "--insn-width=15", "-j", ".text"]
        if let from, let to { arguments += ["--start-address=\(from)", "--stop-address=\(to)"] }
        let result = try Subprocess.run("/usr/bin/objdump", arguments + [path])
        XCTAssertEqual(result.status, 0, result.stderr)
        var checked = 0
        var failures = 0
        for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let row = ObjdumpRow(line), row.address >= text.address,
                row.address < text.address + text.size
            else { continue }
            // objdump starts a window mid-instruction and cuts the last one short: skip the edges.
            if let from, let to, row.address < from + 16 || row.address + 16 > to { continue }
            checked += 1
            let offset = Int(row.address - text.address)
            let decoded = InstructionDecoder.decode(bytes, at: offset, address: text.address)
            let problem = row.disagreement(with: decoded)
            if let problem, failures < 20 {
                failures += 1
                XCTFail("\(path) \(String(row.address, radix: 16)): \(problem): \(line)")
            }
        }
        return checked
    }
}

/// One instruction line of `objdump -d -w`: address, bytes, text.
private struct ObjdumpRow {
    let address: UInt64
    let length: Int
    let text: Substring
    /// The words of the text, prefixes objdump spells out (`cs`, `data16`, `rex.W`, ...) dropped.
    private let words: [Substring]

    private static let prefixes: Set<Substring> = [
        "cs", "ds", "ss", "es", "fs", "gs", "data16", "addr32", "bnd", "notrack", "lock", "rep", "repz",
        "repnz", "xacquire", "xrelease",
    ]

    init?(_ line: Substring) {
        guard let firstTab = line.firstIndex(of: "\t") else { return nil }
        let rest = line[line.index(after: firstTab)...]
        guard let secondTab = rest.firstIndex(of: "\t"), line[..<firstTab].hasSuffix(":"),
            let address = UInt64(line[..<firstTab].dropLast().drop { $0 == " " }, radix: 16)
        else { return nil }
        text = rest[rest.index(after: secondTab)...]
        guard !text.contains("(bad)"), !text.hasPrefix(".byte") else { return nil }
        self.address = address
        length = rest[..<secondTab].split(separator: " ").count
        words = Array(
            text.split(separator: " ").drop { ObjdumpRow.prefixes.contains($0) || $0.hasPrefix("rex") })
    }

    /// The branch target objdump prints for direct jumps, calls and loops.
    private var branchTarget: UInt64? {
        guard let mnemonic = words.first, words.count >= 2,
            mnemonic.hasPrefix("j") || mnemonic.hasPrefix("call") || mnemonic.hasPrefix("loop")
                || mnemonic == "xbegin"
        else { return nil }
        return UInt64(words[1], radix: 16)
    }

    private var isNop: Bool {
        guard let mnemonic = words.first else { return false }
        if mnemonic.hasPrefix("nop") { return true }
        if mnemonic == "xchg", words.count == 2, words[1] == "%ax,%ax" { return true }
        // lea 0x0(%rsi),%rsi and lea 0x0(%rsi,%riz,1),%rsi
        guard mnemonic == "lea", words.count == 2 else { return false }
        let operands = words[1]
        guard operands.hasPrefix("0x0(%r"), let register = operands.split(separator: ",").last,
            register.hasPrefix("%r"), operands.hasPrefix("0x0(" + register)
        else { return false }
        return !operands.contains(",%r") || operands.contains("%riz")
    }

    /// What the decoder got wrong about this row, nil when it agrees.
    func disagreement(with decoded: X86Instruction?) -> String? {
        guard let decoded else { return "not decoded" }
        if decoded.length != length { return "length \(decoded.length), objdump \(length)" }
        if decoded.branch?.target != branchTarget {
            return "branch \(decoded.branch.map { String($0.target, radix: 16) } ?? "none")"
        }
        if decoded.isNop != isNop { return "nop \(decoded.isNop)" }
        return nil
    }
}
