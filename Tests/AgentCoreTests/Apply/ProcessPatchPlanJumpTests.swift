import XCTest

@testable import AgentCore

/// The 5-byte entry jump must stay inside the function it replaces, as a table.
final class ProcessPatchPlanJumpTests: XCTestCase {
    func testJumpFitsTable() {
        let cases: [(String, UInt64, [UInt8], Bool)] = [
            ("5 bytes or more", 16, [0x55, 0x48, 0x89, 0xe5, 0x53], true),
            ("exactly 5", 5, [0xe9, 1, 2, 3, 4], true),
            ("4 bytes then int3 padding", 4, [0x31, 0xc0, 0x5d, 0xc3, 0xcc], true),
            ("1 byte then nops", 1, [0xc3, 0x90, 0x90, 0x90, 0x90], true),
            ("4 bytes then gcc's alignment (nopw %cs:..)", 4, [0x8d, 0x47, 0x01, 0xc3, 0x66], true),
            ("1 byte then nopl 0x0(%rax)", 1, [0xc3, 0x0f, 0x1f, 0x40, 0x00], true),
            ("2 bytes then data16 cs nopw", 2, [0xf3, 0xc3, 0x66, 0x2e, 0x0f], true),
            ("1 byte then a movzx (0f b6), not a nop", 1, [0xc3, 0x0f, 0xb6, 0x07, 0xc3], false),
            ("4 bytes then mov (corpus cold-attribute)", 4, [0x6b, 0xc7, 0x64, 0xc3, 0x8b], false),
            ("4 bytes then the next function", 4, [0x31, 0xc0, 0x5d, 0xc3, 0x55], false),
            ("2 bytes, padding then code", 2, [0xf3, 0xc3, 0xcc, 0xcc, 0x48], false),
        ]
        for (name, size, bytes, expected) in cases {
            XCTAssertEqual(ProcessPatchPlan.jumpFits(size: size, entryBytes: bytes), expected, name)
        }
    }
}
