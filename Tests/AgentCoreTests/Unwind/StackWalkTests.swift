import XCTest

@testable import AgentCore

/// The walk over registers, stack words and a row lookup, as a table (rows as gcc emits them).
final class StackWalkTests: XCTestCase {
    /// leaf at 0x1000 (CFA rsp+8), framed at 0x2000 (push rbp; mov rsp,rbp: CFA rbp+16, rbp at
    /// c-16), start at 0x3000 (ra undefined).
    static func rowAt(_ pc: UInt64) throws(UnwindStop) -> FrameRule {
        switch pc {
        case 0x1000..<0x1100: return FrameRule(cfaRegister: 7, cfaOffset: 8, registers: [16: .savedAt(-8)])
        case 0x2000..<0x2100:
            return FrameRule(cfaRegister: 6, cfaOffset: 16, registers: [6: .savedAt(-16), 16: .savedAt(-8)])
        case 0x3000..<0x3100: return FrameRule(cfaRegister: 7, cfaOffset: 8, registers: [16: .undefined])
        case 0x4000..<0x4100: return FrameRule(cfaRegister: 10, cfaOffset: 0, registers: [16: .savedAt(-8)])
        default: throw UnwindStop("no FDE")
        }
    }

    static func registers(rip: UInt64, rsp: UInt64, rbp: UInt64?) -> [UInt64?] {
        var columns = [UInt64?](repeating: nil, count: 17)
        columns[6] = rbp
        columns[7] = rsp
        columns[16] = rip
        return columns
    }

    func testTable() {
        // 0x8000: RA 0x2010 | 0x8008, 0x8010: stale 0x1010 | 0x8020: saved rbp 0x8040 | 0x8028: RA
        // 0x2050 | 0x8040: saved rbp 0 | 0x8048: RA 0x3005 (start)
        let stack: [UInt64] = [0x2010, 0x1010, 0x1010, 0, 0x8040, 0x2050, 0, 0, 0, 0x3005, 0]
        let cases: [(String, [UInt64?], [UInt64], StackWalk.Outcome)] = [
            (
                "leaf -> framed -> framed -> start",
                Self.registers(rip: 0x1004, rsp: 0x8000, rbp: 0x8020), stack,
                .complete(slots: [0x8000, 0x8028, 0x8048])
            ),
            (
                "caller in anonymous memory", Self.registers(rip: 0x1004, rsp: 0x8000, rbp: 0x8020),
                [0x9000] + stack.dropFirst(), .incomplete(frame: 1, reason: "no FDE (pc 0x9000)")
            ),
            (
                "CFA register unknown", Self.registers(rip: 0x4000, rsp: 0x8000, rbp: 0),
                stack, .incomplete(frame: 0, reason: "CFA register 10 unknown")
            ),
            (
                "frame pointer pointing down: a loop", Self.registers(rip: 0x2004, rsp: 0x8010, rbp: 0x7000),
                stack, .incomplete(frame: 0, reason: "CFA 0x7010 outside the live stack")
            ),
            (
                "RA slot past the stack read", Self.registers(rip: 0x1004, rsp: 0x8000, rbp: 0x8020),
                Array(stack.prefix(5)), .incomplete(frame: 1, reason: "CFA 0x8030 outside the live stack")
            ),
        ]
        for (name, registers, words, expected) in cases {
            let outcome = StackWalk.walk(
                registers: registers, stackPointer: registers[7]!, words: words[...], rowAt: Self.rowAt)
            XCTAssertEqual(outcome, expected, name)
        }
    }
}
