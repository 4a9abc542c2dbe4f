import Shared
import XCTest

@testable import Agent

/// The safe-point rule as a table.
final class SafePointTests: XCTestCase {
    let guards = [SafePoint.Guard(start: RemoteAddress(0x1000), end: RemoteAddress(0x1040), name: "is_even")]

    private func thread(_ tid: Int32, rip: UInt64, stack: [UInt64] = []) -> SafePoint.ThreadView {
        SafePoint.ThreadView(
            tid: Tid(tid), instructionPointer: rip, stackPointer: 0x7000, stackWords: stack[...])
    }

    func testTable() {
        let cases: [(String, [SafePoint.ThreadView], Int32?)] = [
            ("everyone elsewhere", [thread(1, rip: 0x2000, stack: [0x2005, 0])], nil),
            ("rip at the entry", [thread(1, rip: 0x2000), thread(2, rip: 0x1000)], 2),
            ("rip on the last byte", [thread(3, rip: 0x103f)], 3),
            ("rip just past the end", [thread(3, rip: 0x1040)], nil),
            ("a frame returns into it", [thread(4, rip: 0x2000, stack: [0, 0x1010, 0])], 4),
        ]
        for (name, threads, expected) in cases {
            XCTAssertEqual(
                SafePoint.firstConflict(threads: threads, guards: guards)?.tid, expected.map { Tid($0) }, name
            )
        }
    }

    func testConflictNamesThreadFunctionAndStackSlot() {
        let conflict = SafePoint.firstConflict(
            threads: [thread(4, rip: 0x2000, stack: [0, 0x1010])], guards: guards)
        XCTAssertEqual(conflict?.name, "is_even")
        XCTAssertTrue(conflict?.description.contains("tid 4") == true)
        XCTAssertTrue(conflict?.description.contains("0x7008") == true, conflict?.description ?? "")
    }
}
