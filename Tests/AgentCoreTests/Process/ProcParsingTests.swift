import Shared
import XCTest

@testable import AgentCore

/// /proc parsing, as pure functions over real-looking text.
final class ProcParsingTests: XCTestCase {
    func testMapsLinesWithSpacesDeletedFilesAndAnonymousMemory() {
        let maps = MemoryMapping.parse(
            """
            55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234                       /opt/my app/parity-v1
            55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 1234                       /opt/my app/parity-v1 (deleted)
            7f0000000000-7f0000021000 rw-p 00000000 00:00 0
            7ffd1e2f0000-7ffd1e311000 rw-p 00000000 00:00 0                          [stack]
            """)
        XCTAssertEqual(maps.count, 4)
        XCTAssertEqual(maps[0].path, "/opt/my app/parity-v1")
        XCTAssertEqual(maps[1].path, "/opt/my app/parity-v1 (deleted)")
        XCTAssertTrue(maps[1].isExecutable)
        XCTAssertEqual(maps[1].fileOffset, 0x1000)
        XCTAssertTrue(maps[2].isAnonymous)
        XCTAssertFalse(maps[3].isAnonymous)
        XCTAssertEqual(maps[0].mapFilesName, "55d0c0a00000-55d0c0a01000")
    }

    func testStatStartTimeSurvivesParenthesesInTheCommand() {
        let text = "4242 (evil) name) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 5 0 987654 1000 100"
        let stat = ProcessStat(text: text)
        XCTAssertEqual(stat?.command, "evil) name")
        XCTAssertEqual(stat?.state, "S")
        XCTAssertEqual(stat?.startTime, 987654)
        XCTAssertEqual(stat?.isExiting, false, "flags 4194560 (0x400100): no PF_EXITING")
    }

    /// A process killed a moment ago still reads R while its memory is gone: PF_EXITING (0x4)
    /// in field 9 says so, and the agent reports it as exited, not as a failed read.
    func testStatFlagsTellAnExitingTask() {
        let text = "4242 (target) R 1 4242 4242 0 -1 4194564 1 0 0 0 0 0 0 0 20 0 5 0 987654 1000 100"
        XCTAssertEqual(ProcessStat(text: text)?.isExiting, true)
    }
}
