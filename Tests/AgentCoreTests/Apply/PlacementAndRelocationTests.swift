import Shared
import XCTest

@testable import AgentCore

final class PlacementAndRelocationTests: XCTestCase {
    func testPlacementPrefersTheGapJustBelowTheModuleAndStaysInReach() {
        let module = (start: RemoteAddress(0x5555_5555_4000), end: RemoteAddress(0x5555_5555_9000))
        let mappings = [
            MemoryMapping(
                start: module.start, end: module.end, permissions: "r-xp", inode: 1, path: "/bin/x"),
            MemoryMapping(
                start: RemoteAddress(0x5555_5555_a000), end: RemoteAddress(0x5555_5557_b000),
                permissions: "rw-p", path: "[heap]"),
            MemoryMapping(
                start: RemoteAddress(0x7f00_0000_0000), end: RemoteAddress(0x7f00_0001_0000),
                permissions: "r-xp", inode: 2, path: "/lib/libc.so.6"),
        ]
        let candidates = PatchPlacement.candidates(size: 8192, near: module, mappings: mappings)
        let first = try! XCTUnwrap(candidates.first)
        XCTAssertLessThan(first.rawValue + 8192, module.start.rawValue, "below the module")
        XCTAssertEqual(first.rawValue % 4096, 0)
        XCTAssertLessThanOrEqual(module.end.rawValue - first.rawValue, 0x7fff_ffff)
        for candidate in candidates {
            XCTAssertLessThan(
                max(candidate.rawValue + 8192, module.end.rawValue)
                    - min(candidate.rawValue, module.start.rawValue), 1 << 31)
            XCTAssertFalse(
                mappings.contains { $0.start.rawValue < candidate.rawValue + 8192 && candidate < $0.end })
        }
    }

    func testJumpEncodingAndReach() {
        XCTAssertEqual(
            PatchImage.jump(from: RemoteAddress(0x1000), to: RemoteAddress(0x1005)), [0xe9, 0, 0, 0, 0])
        XCTAssertEqual(
            PatchImage.jump(from: RemoteAddress(0x2000), to: RemoteAddress(0x1000)),
            [0xe9, 0xfb, 0xef, 0xff, 0xff])
        XCTAssertNil(PatchImage.jump(from: RemoteAddress(0x1000), to: RemoteAddress(0x1_0000_2000)))
    }

    func testLayoutKeepsCodeAndDataOnSeparatePages() {
        let code = PatchLayout.Item(index: 3, alignment: 16, size: 40, writable: false)
        let data = PatchLayout.Item(index: 5, alignment: 8, size: 8, writable: true)
        let layout = PatchLayout(headerSize: 100, items: [code, data], slotSymbols: [9, 4, 9])
        XCTAssertEqual(layout.headerSize, 128)
        XCTAssertEqual(layout.sectionOffsets[3], 128)
        XCTAssertEqual(layout.slotIndex, [4: 0, 9: 1])
        XCTAssertEqual(layout.executableSize, 4096)
        XCTAssertEqual(layout.sectionOffsets[5], 4096)
        XCTAssertEqual(layout.totalSize, 8192)
    }
}
