import Shared
import XCTest

@testable import AgentCore

final class PatchMemoryHeaderTests: XCTestCase {
    func testHeaderRoundTripsAndItsSizeIsPredicted() {
        let header = PatchMemoryHeader(
            mappingSize: 8192, patchID: "parity-fix", contentHash: [UInt8](repeating: 7, count: 32),
            previous: RemoteAddress(0x7f00_0000_0000),
            guards: [.init(start: RemoteAddress(0x7f10_0000_0000), size: 4096, name: "code")],
            entries: [
                .init(
                    address: RemoteAddress(0x5555_0000_1130), original: [0xf3, 0x0f, 0x1e, 0xfa, 0x89],
                    patched: [0xe9, 1, 2, 3, 4], symbol: "is_even")
            ])
        // Written by an agent from before unwind info: decodes, with no unwind record.
        let old = header.encoded()
        XCTAssertEqual(Array(old.prefix(8)), Array("HPMEM001".utf8))
        XCTAssertEqual(PatchMemoryHeader(decoding: old), header)
        XCTAssertNil(PatchMemoryHeader(decoding: old)?.unwind)
        var withUnwind = header
        withUnwind.unwind = .init(
            table: RemoteAddress(0x7f10_0000_0100), object: RemoteAddress(0x7f10_0000_1000),
            trap: RemoteAddress(0x7f10_0000_0200), state: .registered)
        let bytes = withUnwind.encoded()
        XCTAssertEqual(PatchMemoryHeader(decoding: bytes), withUnwind)
        XCTAssertEqual(bytes.count, old.count + PatchMemoryHeader.unwindRecordSize)
        // The size reserved always has room for the unwind record.
        XCTAssertEqual(
            PatchMemoryHeader.encodedSize(
                patchID: "parity-fix", guardNames: ["code"], entries: [(5, "is_even")]),
            bytes.count)
        // Each registration state survives the round trip (status reads it back).
        for state in [
            PatchMemoryHeader.State.unregistered, .registering, .registered, .deregistering, .noUnwinder,
        ] {
            withUnwind.unwind?.state = state
            XCTAssertEqual(PatchMemoryHeader(decoding: withUnwind.encoded())?.unwind?.state, state)
        }
    }

    func testDamagedHeadersAreRejectedNotTrusted() {
        XCTAssertNil(PatchMemoryHeader(decoding: Array("HPMEM001".utf8) + [200, 0, 0, 0]))
        XCTAssertNil(PatchMemoryHeader(decoding: Array("NOTAHDR!".utf8)))
        var truncated = PatchMemoryHeader(
            mappingSize: 4096, patchID: "x", contentHash: [UInt8](repeating: 0, count: 32),
            previous: RemoteAddress(0),
            guards: [], entries: []
        ).encoded()
        truncated.removeLast()
        XCTAssertNil(PatchMemoryHeader(decoding: truncated))
    }
}
