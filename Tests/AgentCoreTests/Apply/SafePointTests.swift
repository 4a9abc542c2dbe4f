import Shared
import XCTest

@testable import AgentCore

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

    /// A stack word equal to a guard's first byte: a pointer to the function (a callback that
    /// nanosleep's caller or the program left there), never a return address, while that entry
    /// stays callable (apply); patch code being removed keeps every word into it in the way.
    func testEntryAddressWordsTable() {
        let replaced = [
            SafePoint.Guard(
                start: RemoteAddress(0x1000), end: RemoteAddress(0x1040), name: "is_even",
                entryIsCallable: true)
        ]
        let removed = [
            SafePoint.Guard(start: RemoteAddress(0x1000), end: RemoteAddress(0x1040), name: "code")
        ]
        let cases: [(String, [SafePoint.ThreadView], [SafePoint.Guard], Int32?)] = [
            (
                "apply: a callback pointer to the entry", [thread(1, rip: 0x2000, stack: [0, 0x1000, 7])],
                replaced, nil
            ),
            (
                "apply: the entry twice, on two threads",
                [thread(1, rip: 0x2000, stack: [0x1000]), thread(2, rip: 0x2000, stack: [0x1000])], replaced,
                nil
            ),
            (
                "apply: one past the entry returns into it",
                [thread(2, rip: 0x2000, stack: [0x1000, 0x1001])], replaced, 2
            ),
            ("apply: the last byte", [thread(3, rip: 0x2000, stack: [0x103f])], replaced, 3),
            ("apply: rip at the entry is still inside", [thread(4, rip: 0x1000)], replaced, 4),
            (
                "apply: the end is a return address (the last instruction calls a noreturn function)",
                [thread(5, rip: 0x2000, stack: [0x1040])], replaced, 5
            ),
            ("apply: one past the end is outside", [thread(6, rip: 0x2000, stack: [0x1041])], replaced, nil),
            (
                "apply: the end of a range that cannot end in a call is a pointer to what follows",
                [thread(7, rip: 0x2000, stack: [0x1040])], replaced.map { var g = $0; g.returnAtEnd = false; return g },
                nil
            ),
            (
                "revert: a pointer to patch code dangles once it is unmapped",
                [thread(6, rip: 0x2000, stack: [0x1000])], removed, 6
            ),
            (
                "revert: a return address into patch code", [thread(7, rip: 0x2000, stack: [0x1010])],
                removed, 7
            ),
        ]
        for (name, threads, guards, expected) in cases {
            XCTAssertEqual(
                SafePoint.firstConflict(threads: threads, guards: guards)?.tid, expected.map { Tid($0) }, name
            )
        }
    }

    /// Every thread in the way is listed once, and the refusal names one executing inside first.
    func testConflictsListsEveryThreadOnce() {
        let threads = [
            thread(1, rip: 0x2000, stack: [0x1010, 0x1020]), thread(2, rip: 0x2000),
            thread(3, rip: 0x1004, stack: [0x1010]),
        ]
        let all = SafePoint.conflicts(threads: threads, guards: guards)
        XCTAssertEqual(all.map(\.tid), [Tid(1), Tid(3)])
        XCTAssertEqual(all.first?.place, .returnAddress(word: 0x1010, slot: RemoteAddress(0x7000)))
        XCTAssertEqual(SafePoint.first(of: all)?.tid, Tid(3), "executing inside is named first")
    }

    func testConflictNamesThreadFunctionAndStackSlot() {
        let conflict = SafePoint.firstConflict(
            threads: [thread(4, rip: 0x2000, stack: [0, 0x1010])], guards: guards)
        XCTAssertEqual(conflict?.name, "is_even")
        XCTAssertTrue(conflict?.description.contains("tid 4") == true)
        XCTAssertTrue(conflict?.description.contains("0x7008") == true, conflict?.description ?? "")
    }

    /// With an exact walk (``ReturnSlots``), a word into a guard at a slot that is no return
    /// address is stale; without one (walk incomplete: nil), every such word still counts.
    func testExactReturnSlotsTable() {
        // Stack at 0x7000: [0x2005 (live RA), 0x1010 (stale, into is_even), 0x2100 (live RA)].
        func walked(_ slots: Set<UInt64>?) -> SafePoint.ThreadView {
            SafePoint.ThreadView(
                tid: Tid(7), instructionPointer: 0x2000, stackPointer: 0x7000, stackWords: [0x2005, 0x1010, 0x2100][...],
                returnSlots: slots)
        }
        let cases: [(String, SafePoint.ThreadView, Int32?)] = [
            ("stale word below live frames, walk complete -> no conflict", walked([0x7000, 0x7010]), nil),
            ("walk incomplete -> conflict as before", walked(nil), 7),
            ("the word is a live return slot -> conflict", walked([0x7000, 0x7008, 0x7010]), 7),
            (
                "rip inside stays a conflict whatever the walk",
                SafePoint.ThreadView(
                    tid: Tid(8), instructionPointer: 0x1004, stackPointer: 0x7000, stackWords: [0x2005][...],
                    returnSlots: []), 8
            ),
        ]
        for (name, thread, expected) in cases {
            XCTAssertEqual(
                SafePoint.firstConflict(threads: [thread], guards: guards)?.tid, expected.map { Tid($0) }, name)
        }
    }

    /// A range's last bytes may end in a call (the word at its end can be a return address into
    /// it) unless no call can end there.
    func testMayEndWithCallTable() {
        let cases: [(String, [UInt8], Bool)] = [
            ("call rel32 (call abort)", [0x90, 0x50, 0xe8, 0x11, 0x22, 0x33, 0x44], true),
            ("call *%rax", [0x90, 0x90, 0x90, 0x90, 0x90, 0xff, 0xd0], true),
            ("call *0x10(%rip)", [0x90, 0xff, 0x15, 0x10, 0x00, 0x00, 0x00], true),
            ("call *8(%rbx)", [0x90, 0x90, 0x90, 0x90, 0xff, 0x53, 0x08], true),
            ("ret", [0x48, 0x83, 0xc4, 0x08, 0x5b, 0x5d, 0xc3], false),
            ("jmp rel32 (a tail call)", [0x5b, 0x5d, 0xe9, 0x11, 0x22, 0x33, 0x44], false),
            ("jmp *%rax (ff /4)", [0x90, 0x90, 0x90, 0x90, 0x90, 0xff, 0xe0], false),
            ("shorter than a call", [0x8d, 0x04, 0xc3], false),
        ]
        for (name, bytes, expected) in cases {
            XCTAssertEqual(SafePoint.mayEndWithCall(bytes), expected, name)
        }
    }
}
