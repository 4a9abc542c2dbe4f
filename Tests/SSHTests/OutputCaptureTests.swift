import XCTest

@testable import SSH

/// The bounded capture of a remote stream: what is kept at each end and what is counted as
/// dropped, for streams fed in chunks of every size.
final class OutputCaptureTests: XCTestCase {
    /// One case: limits, the stream (as chunks), then the expected head, tail and dropped count.
    private struct Case {
        let head: Int
        let tail: Int
        let chunks: [String]
        let keptHead: String
        let keptTail: String
        let dropped: Int
    }

    private let cases: [Case] = [
        Case(head: 4, tail: 4, chunks: [], keptHead: "", keptTail: "", dropped: 0),
        Case(head: 4, tail: 4, chunks: ["abc"], keptHead: "abc", keptTail: "", dropped: 0),
        Case(head: 4, tail: 4, chunks: ["abcdefgh"], keptHead: "abcd", keptTail: "efgh", dropped: 0),
        Case(head: 4, tail: 4, chunks: ["abcdefghi"], keptHead: "abcd", keptTail: "fghi", dropped: 1),
        Case(
            head: 4, tail: 4, chunks: ["ab", "cd", "ef", "gh", "ij"], keptHead: "abcd", keptTail: "ghij",
            dropped: 2),
        Case(
            head: 4, tail: 4, chunks: ["abcdefghij", "klmnopqrstuvwxyz"], keptHead: "abcd", keptTail: "wxyz",
            dropped: 18),
        Case(
            head: 4, tail: 4, chunks: Array(repeating: "x", count: 1000) + ["END!"], keptHead: "xxxx",
            keptTail: "END!", dropped: 996),
        Case(head: 0, tail: 3, chunks: ["hello", " world"], keptHead: "", keptTail: "rld", dropped: 8),
        Case(head: 3, tail: 0, chunks: ["hello", " world"], keptHead: "hel", keptTail: "", dropped: 8),
        Case(
            head: 2, tail: 5, chunks: ["a", "bcdefghijkl", "m"], keptHead: "ab", keptTail: "ijklm", dropped: 6
        ),
    ]

    func testHeadTailAndDroppedCountForStreamsInChunks() {
        for (index, item) in cases.enumerated() {
            var capture = OutputCapture(head: item.head, tail: item.tail)
            for chunk in item.chunks { capture.append(Array(chunk.utf8)[...]) }
            let label = "case \(index): \(item.chunks.prefix(3))"
            XCTAssertEqual(String(decoding: capture.head, as: UTF8.self), item.keptHead, label)
            XCTAssertEqual(String(decoding: capture.tail, as: UTF8.self), item.keptTail, label)
            XCTAssertEqual(capture.droppedBytes, item.dropped, label)
            XCTAssertEqual(capture.totalBytes, item.chunks.reduce(0) { $0 + $1.utf8.count }, label)
        }
    }

    func testTheShownTextSaysHowManyBytesWereNotShown() {
        var capture = OutputCapture(head: 3, tail: 3)
        capture.append(Array("abc".utf8)[...])
        // 399,872,000 bytes in 1 MB chunks, as a host would send them (no 400 MB array here).
        let megabyte = Array(repeating: UInt8(ascii: "x"), count: 1_000_000)
        for _ in 0..<399 { capture.append(megabyte[...]) }
        capture.append(megabyte[..<872_000])
        capture.append(Array("xyz".utf8)[...])
        XCTAssertEqual(capture.text, "abc\n… 399,872,000 bytes not shown …\nxyz")
        var whole = OutputCapture(head: 3, tail: 3)
        whole.append(Array("abcxyz".utf8)[...])
        XCTAssertEqual(whole.text, "abcxyz", "nothing dropped, no marker")
    }

    func testAStreamOfManyChunksKeepsOnlyItsHeadAndTail() {
        var capture = OutputCapture(head: 64, tail: 64)
        let chunk = Array(repeating: UInt8(ascii: "y"), count: 1000)[...]
        for _ in 0..<10_000 { capture.append(chunk) }
        XCTAssertEqual(capture.totalBytes, 10_000_000)
        XCTAssertEqual(capture.droppedBytes, 10_000_000 - 128)
        XCTAssertEqual(capture.bytes.count, 128 + OutputCapture.marker(dropped: 9_999_872).utf8.count)
    }

    func testAnExcerptKeepsTheCountExactAndNeverReachesAcrossTheGap() {
        var capture = OutputCapture(head: 10, tail: 10)
        capture.append(Array("0123456789".utf8)[...])
        capture.append(Array(repeating: UInt8(ascii: "-"), count: 100)[...])
        capture.append(Array("abcdefghij".utf8)[...])
        let short = capture.excerpt(head: 4, tail: 4)
        XCTAssertEqual(short.text, "0123\n… 112 bytes not shown …\nghij")
        let wide = capture.excerpt(head: 20, tail: 20)
        XCTAssertEqual(wide.text, capture.text, "an excerpt wider than the capture changes nothing")

        var small = OutputCapture(head: 10, tail: 10)
        small.append(Array("0123456789abc".utf8)[...])
        XCTAssertEqual(small.excerpt(head: 4, tail: 4).text, "0123\n… 5 bytes not shown …\n9abc")
    }

    func testNumbersAndSizesAsMessagesSpellThem() {
        let numbers: [(Int, String)] = [
            (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (65_536, "65,536"),
            (399_872_000, "399,872,000"),
        ]
        for (number, text) in numbers { XCTAssertEqual(OutputCapture.grouped(number), text) }
        let sizes: [(Int, String)] = [
            (512 << 20, "512 MiB"), (64 << 10, "64 KiB"), (1 << 30, "1 GiB"), (100, "100 bytes"),
            (1500, "1,500 bytes"),
        ]
        for (bytes, text) in sizes { XCTAssertEqual(OutputLimits.sizeText(bytes), text) }
    }
}
