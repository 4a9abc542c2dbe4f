import Shared
import XCTest

@testable import AgentCore

/// Run to return's pure decisions as tables: which threads may run, where they stop, what a
/// return address looks like.
final class RunToReturnTests: XCTestCase {
    private let guards = [
        SafePoint.Guard(
            start: RemoteAddress(0x1000), end: RemoteAddress(0x1040), name: "spin", entryIsCallable: true)
    ]

    private func view(rip: UInt64, stack: [UInt64]) -> SafePoint.ThreadView {
        SafePoint.ThreadView(
            tid: Tid(1), instructionPointer: rip, stackPointer: 0x7000, stackWords: stack[...])
    }

    func testStopAddressesTable() {
        // Words 0x5xxx are return addresses (follow a call); 0x6xxx are other code pointers.
        let isReturn: (UInt64) -> Bool = { $0 >> 12 == 5 }
        let cases: [(String, SafePoint.ThreadView, [UInt64])] = [
            (
                "leaf inside: its return address", view(rip: 0x1010, stack: [7, 0x5010, 0x5020]),
                [0x5010, 0x5020]
            ),
            ("locals and pointers are skipped", view(rip: 0x1010, stack: [0x6000, 0, 0x5010]), [0x5010]),
            (
                "in a callee: above the return address into the guard",
                view(rip: 0x3000, stack: [0x5000, 0x1008, 0x4, 0x5030]), [0x5030]
            ),
            (
                "two guarded frames: above the outer one",
                view(rip: 0x1010, stack: [0x5000, 0x1020, 0x5040, 0x1008, 0x5050]), [0x5050]
            ),
            (
                "the entry is a pointer, not a frame", view(rip: 0x1010, stack: [0x5010, 0x1000, 0x5020]),
                [0x5010, 0x5020]
            ),
            (
                "at most four, no repeats",
                view(rip: 0x1010, stack: [0x5001, 0x5001, 0x5002, 0x5003, 0x5004, 0x5005]),
                [0x5001, 0x5002, 0x5003, 0x5004]
            ),
            ("nothing that returns", view(rip: 0x1010, stack: [0, 0x6000]), []),
        ]
        for (name, thread, expected) in cases {
            XCTAssertEqual(
                RunToReturn.stopAddresses(for: thread, guards: guards, isReturnAddress: isReturn),
                expected.map { RemoteAddress($0) }, name)
        }
    }

    func testEndsWithCallTable() {
        let cases: [(String, [UInt8], Bool)] = [
            ("call rel32", [0x90, 0x90, 0xe8, 1, 2, 3, 4], true),
            ("call *%rax", [0, 0, 0, 0, 0, 0xff, 0xd0], true),
            ("call *%r11 (REX)", [0, 0, 0, 0, 0x41, 0xff, 0xd3], true),
            ("call *(%rax)", [0, 0, 0, 0, 0, 0xff, 0x10], true),
            ("call *0x8(%rax)", [0, 0, 0, 0, 0xff, 0x50, 0x08], true),
            ("call *0x8(%rsp,%rax)", [0, 0, 0, 0xff, 0x54, 0x04, 0x08], true),
            ("call *disp32(%rip)", [0, 0xff, 0x15, 1, 2, 3, 4], true),
            ("call *disp32(%rax)", [0, 0xff, 0x90, 1, 2, 3, 4], true),
            ("call *disp32(%rax,%rbx,8)", [0xff, 0x94, 0xd8, 1, 2, 3, 4], true),
            ("jmp *%rax is no call", [0, 0, 0, 0, 0, 0xff, 0xe0], false),
            ("push (ff /6) is no call", [0, 0, 0, 0, 0, 0xff, 0x30], false),
            ("a function's padding", [0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc], false),
            ("ret; nop", [0, 0, 0, 0, 0, 0xc3, 0x90], false),
            ("too short", [0xe8, 0, 0, 0], false),
        ]
        for (name, bytes, expected) in cases {
            XCTAssertEqual(RunToReturn.endsWithCall(bytes), expected, name)
        }
    }

    func testOnlyThreadsRunningUserCodeAreRun() {
        func held(_ tid: Int32, inSyscall: Bool = false, signal: Int32 = 0, interrupted: Bool = true)
            -> StoppedThread
        {
            var registers = Registers()
            registers.orig_rax = inSyscall ? 0 : UInt64.max
            return StoppedThread(
                tid: Tid(tid), registers: registers, pendingSignal: signal, stoppedByInterrupt: interrupted)
        }
        func conflict(_ tid: Int32) -> SafePoint.Conflict {
            SafePoint.Conflict(tid: Tid(tid), name: "spin", place: .executing(instructionPointer: 0x1010))
        }
        let threads = [
            Tid(1): held(1), Tid(2): held(2), Tid(3): held(3, inSyscall: true),
            Tid(4): held(4, signal: 10, interrupted: false),
        ]
        let cases: [(String, [SafePoint.Conflict], [Tid]?)] = [
            ("two in user code", [conflict(1), conflict(2)], [Tid(1), Tid(2)]),
            ("one blocked in a system call: none run", [conflict(1), conflict(3)], nil),
            ("one holding a signal of its own: none run", [conflict(4)], nil),
            ("a thread no longer held", [conflict(9)], nil),
            ("no conflict", [], nil),
        ]
        for (name, conflicts, expected) in cases {
            XCTAssertEqual(RunToReturn.threadsToRun(conflicts, held: threads), expected, name)
        }
    }
}
