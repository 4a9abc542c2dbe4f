import Shared
import XCTest

@testable import Agent

/// The board the guardian reads after the agent dies: it shows the last window opened and not
/// closed, with whether it had settled, and nothing once it is done. A child forked after the
/// board was made sees the agent's later writes (the guardian's case).
final class GuardBoardTests: XCTestCase {
    private let process = ProcessIdentity(pid: Pid(4242), startTime: 99)

    func testShowsTheOpenWindowUntilItIsDone() throws {
        let board = try GuardBoard()
        XCTAssertNil(board.lastWindow(), "nothing open at first")
        let registers = GuardIntent.registers(process, tid: Tid(4243), saved: Array(0..<216))
        board.open(registers)
        XCTAssertEqual(board.lastWindow()?.intent, registers)
        XCTAssertEqual(board.lastWindow()?.settled, false)
        board.settled()
        XCTAssertEqual(board.lastWindow()?.settled, true)
        board.done()
        XCTAssertNil(board.lastWindow(), "closed")

        // The next window goes to the other slot; the one before it stays readable until then.
        let writes = GuardIntent.writes(
            process, what: "apply fix-1",
            (0..<3000).map {
                GuardIntent.Write(
                    address: RemoteAddress(0x1000 + UInt64($0) * 16), from: [1, 2, 3, 4, 5], to: [0xe9, 9, 9, 9, 9])
            })
        board.open(writes)
        XCTAssertEqual(board.lastWindow()?.intent, writes, "a commit of 3000 entries, over one page")
        board.open(registers)
        XCTAssertEqual(board.lastWindow()?.intent, registers)
    }

    func testAChildForkedBeforeSeesWindowsOpenedAfter() throws {
        let board = try GuardBoard()
        let result = try Syscalls.makePipe()
        let go = try Syscalls.makePipe()
        guard let child = try Syscalls.fork() else {
            // The child: wait for the parent's word, then report what the board shows.
            _ = try? Syscalls.read(go.read, count: 1)
            let seen = board.lastWindow().map { "\($0.intent.process.pid) settled=\($0.settled)" } ?? "none"
            try? Syscalls.write(result.write, Array(seen.utf8), what: "result pipe")
            _exit(0)  // not exit(): XCTest's atexit handlers belong to the parent
        }
        board.open(.registers(process, tid: Tid(4243), saved: [1, 2, 3]))
        board.settled()
        try Syscalls.write(go.write, [1], what: "go pipe")
        Syscalls.close(result.write)
        let seen = String(decoding: try Syscalls.read(result.read, count: 256), as: UTF8.self)
        var status: Int32 = 0
        waitpid(child.rawValue, &status, 0)
        XCTAssertEqual(seen, "4242 settled=true")
    }
}
