import XCTest

@testable import Agent

/// The 5-byte entry jump must stay inside the function it replaces, as a table.
final class PatchPlanJumpTests: XCTestCase {
    func testJumpFitsTable() {
        let cases: [(String, UInt64, [UInt8], Bool)] = [
            ("5 bytes or more", 16, [0x55, 0x48, 0x89, 0xe5, 0x53], true),
            ("exactly 5", 5, [0xe9, 1, 2, 3, 4], true),
            ("4 bytes then int3 padding", 4, [0x31, 0xc0, 0x5d, 0xc3, 0xcc], true),
            ("1 byte then nops", 1, [0xc3, 0x90, 0x90, 0x90, 0x90], true),
            ("4 bytes then the next function", 4, [0x31, 0xc0, 0x5d, 0xc3, 0x55], false),
            ("2 bytes, padding then code", 2, [0xf3, 0xc3, 0xcc, 0xcc, 0x48], false),
        ]
        for (name, size, bytes, expected) in cases {
            XCTAssertEqual(PatchPlan.jumpFits(size: size, entryBytes: bytes), expected, name)
        }
    }
}
