import Shared
import XCTest

@testable import AgentCore

/// The board the guardian reads after the agent dies: it shows the last window opened and not
/// closed, with whether it had settled, and nothing once it is done. That a guardian forked
/// before sees what the agent writes after is proved where it matters, on real processes: the
/// fault matrix (FaultToleranceTests) kills the agent at every step and checks what it repaired.
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
}
