import Shared
import XCTest

/// The `.eh_frame` cut: which records stay, CIE distances and relocation offsets after the cut.
final class EHFrameFilterTests: XCTestCase {
    /// A table like GCC's: CIE A, FDE 1 (code symbol 1, LSDA symbol 9), CIE B, FDE 2 (symbol 2,
    /// uses CIE A), FDE 3 (symbol 3, uses CIE B).
    private func table() -> (bytes: [UInt8], relocations: [ELFRelocation]) {
        var bytes: [UInt8] = []
        var relocations: [ELFRelocation] = []
        func u32(_ value: UInt32) {
            bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(8 * $0)) }
        }
        func cie(_ body: UInt8) -> Int {
            let at = bytes.count
            u32(12)
            u32(0)
            bytes += [UInt8](repeating: body, count: 8)
            return at
        }
        func fde(cie: Int, code: Int, lsda: Int? = nil) {
            let at = bytes.count
            u32(16)
            u32(UInt32(at + 4 - cie))
            relocations.append(.init(offset: UInt64(at + 8), type: .pc32, symbolIndex: code, addend: 0))
            u32(0)
            u32(0x40)
            if let lsda {
                relocations.append(.init(offset: UInt64(at + 16), type: .pc32, symbolIndex: lsda, addend: 4))
            }
            u32(0)
        }
        let a = cie(0xaa)
        fde(cie: a, code: 1, lsda: 9)
        let b = cie(0xbb)
        fde(cie: a, code: 2)
        fde(cie: b, code: 3)
        return (bytes, relocations)
    }

    func testKeepsTheChosenFramesAndTheirCIEs() throws {
        let (bytes, relocations) = table()
        let cases: [(keep: Set<Int>, frames: Int, size: Int, symbols: [Int], offsets: [UInt64])] = [
            ([1, 2, 3], 3, bytes.count, [1, 9, 2, 3], [24, 32, 60, 80]),
            ([], 0, 0, [], []),
            // FDE 2 alone: CIE A (16) + FDE 2 (20); CIE B dropped.
            ([2], 1, 36, [2], [24]),
            // FDE 3 alone: CIE B then FDE 3.
            ([3], 1, 36, [3], [24]),
            // FDE 1 and 3: CIE A, FDE 1, CIE B, FDE 3.
            ([1, 3], 2, 72, [1, 9, 3], [24, 32, 60]),
        ]
        for item in cases {
            let output = try EHFrameFilter.filter(bytes: bytes, relocations: relocations) {
                item.keep.contains($0.symbolIndex)
            }
            XCTAssertEqual(output.frameCount, item.frames, "keep \(item.keep)")
            XCTAssertEqual(output.bytes.count, item.size, "keep \(item.keep)")
            XCTAssertEqual(output.relocations.map(\.symbolIndex), item.symbols, "keep \(item.keep)")
            XCTAssertEqual(output.relocations.map(\.offset), item.offsets, "keep \(item.keep)")
            XCTAssertEqual(
                output.relocations.filter { $0.symbolIndex == 9 }.map(\.addend),
                item.keep.contains(1) ? [4] : [])
        }
    }

    func testCIEDistanceIsRecomputed() throws {
        let (bytes, relocations) = table()
        let output = try EHFrameFilter.filter(bytes: bytes, relocations: relocations) { $0.symbolIndex == 3 }
        // FDE 3 now starts at 16, right after CIE B at 0: its id field (at 20) is 20 back.
        XCTAssertEqual(Array(output.bytes[20..<24]), [20, 0, 0, 0])
        XCTAssertEqual(Array(output.bytes[8..<16]), [UInt8](repeating: 0xbb, count: 8))
    }

    func testRefusesWhatItDoesNotUnderstand() {
        var (bytes, relocations) = table()
        // An FDE whose CIE distance points before the section.
        var broken = bytes
        broken[20] = 0xff
        XCTAssertThrowsError(try EHFrameFilter.filter(bytes: broken, relocations: relocations) { _ in true })
        // The 64-bit length format.
        broken = bytes
        broken.replaceSubrange(0..<4, with: [0xff, 0xff, 0xff, 0xff])
        XCTAssertThrowsError(try EHFrameFilter.filter(bytes: broken, relocations: relocations) { _ in true })
        // A record running past the end.
        XCTAssertThrowsError(
            try EHFrameFilter.filter(bytes: Array(bytes.prefix(30)), relocations: []) { _ in true })
        // An FDE without a PC-begin relocation.
        relocations.removeAll { $0.symbolIndex == 2 }
        XCTAssertThrowsError(try EHFrameFilter.filter(bytes: bytes, relocations: relocations) { _ in true })
    }
}
