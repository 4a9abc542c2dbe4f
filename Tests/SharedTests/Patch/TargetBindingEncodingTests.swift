import Shared
import XCTest

/// Target bindings of both kinds survive encoding, and the slot kind has its own record tag.
final class TargetBindingEncodingTests: XCTestCase {
    func testSlotBindingsRoundTripUnderTheirOwnTag() throws {
        let metadata = PatchMetadata(
            kind: .relocatable, id: PatchID("bind")!, targetBuildID: BuildID(bytes: [1, 2, 3, 4]),
            targetBindings: [
                TargetBinding(address: ModuleAddress(0x4010), symbol: "requests"),
                TargetBinding(address: ModuleAddress(0x3fd8), symbol: "strlen", kind: .slotValue),
            ])
        let bytes = metadata.encode()
        XCTAssertEqual(try PatchMetadata(decoding: bytes[...]), metadata)
        let tags = Self.recordTags(bytes)
        XCTAssertEqual(tags.filter { $0 == 6 }.count, 1, "the address binding keeps tag 6")
        XCTAssertEqual(tags.filter { $0 == 12 }.count, 1, "the slot binding has tag 12")
    }

    /// The record tags of an encoded section, in order.
    private static func recordTags(_ bytes: [UInt8]) -> [UInt16] {
        var at = 16
        var tags: [UInt16] = []
        while at + 6 <= bytes.count {
            tags.append(UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)
            let length = (0..<4).reduce(0) { $0 | Int(bytes[at + 2 + $1]) << ($1 * 8) }
            at += 6 + length
        }
        return tags
    }
}
