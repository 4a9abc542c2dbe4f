import Shared
import XCTest

/// The `.hotpatch` section encodes and decodes losslessly and refuses what it does not understand.
final class PatchMetadataTests: XCTestCase {
    private func sample() -> PatchMetadata {
        PatchMetadata(
            kind: .relocatable, id: PatchID("parity-fix-1")!, description: "is_even: use % 2",
            targetPathHint: "/opt/parity/parity-v1",
            targetBuildID: BuildID(hex: "00112233445566778899aabbccddeeff00112233")!,
            replacedFunctions: [
                ReplacedFunction(
                    oldAddress: ModuleAddress(0x1139), oldSize: 23, oldName: "is_even", newName: "is_even")
            ],
            targetBindings: [TargetBinding(address: ModuleAddress(0x4010), symbol: "requests")],
            inPlaceEdits: [])
    }

    func testRoundTripKeepsEveryRecord() throws {
        var metadata = sample()
        metadata.inPlaceEdits = [
            InPlaceEdit(address: ModuleAddress(0x1140), old: [1, 2, 3], new: [4, 5, 6])
        ]
        let decoded = try PatchMetadata(decoding: metadata.encode()[...])
        XCTAssertEqual(decoded, metadata)
    }

    func testPartsOfAReplacedFunctionRoundTripAndOldFilesStillRead() throws {
        var metadata = sample()
        metadata.replacedFunctions[0].parts = [
            FunctionPart(address: ModuleAddress(0x1080), size: 13, name: "is_even.cold"),
            FunctionPart(address: ModuleAddress(0x1300), size: 40, name: "is_even.part.0"),
        ]
        XCTAssertEqual(try PatchMetadata(decoding: metadata.encode()[...]), metadata)
        // A file written before parts existed decodes with none.
        XCTAssertEqual(try PatchMetadata(decoding: sample().encode()[...]).replacedFunctions[0].parts, [])
    }

    func testAPartBeforeAnyReplacedFunctionIsMalformed() {
        var metadata = sample()
        metadata.replacedFunctions = []
        var bytes = metadata.encode()
        var payload: [UInt8] = Array(repeating: 0, count: 16) + [1, 0, 0, 0] + Array("x".utf8)
        payload[0] = 0x80
        bytes += [20, 0] + [UInt8(payload.count), 0, 0, 0] + payload
        XCTAssertThrowsError(try PatchMetadata(decoding: bytes[...])) { error in
            XCTAssertTrue("\(error)".contains("before any replaced function"), "\(error)")
        }
    }

    func testNewerFormatVersionIsRefusedWithUpgradeAdvice() {
        var bytes = sample().encode()
        bytes[8] = 2  // formatVersion follows the 8-byte magic
        XCTAssertThrowsError(try PatchMetadata(decoding: bytes[...])) { error in
            XCTAssertEqual(error as? PatchFormatError, .versionTooNew(found: 2, supported: 1))
            XCTAssertTrue("\(error)".contains("upgrade"))
        }
    }

    func testUnknownTagIsAnErrorNotSkipped() {
        var bytes = sample().encode()
        bytes += [99, 0, 0, 0, 0, 0]  // tag 99, empty payload
        XCTAssertThrowsError(try PatchMetadata(decoding: bytes[...])) { error in
            XCTAssertTrue("\(error)".contains("unknown record tag 99"), "\(error)")
        }
    }

    func testEveryTruncationThrowsInsteadOfTrapping() {
        let bytes = sample().encode()
        for length in 0..<bytes.count {
            // A cut on a record boundary is still well-formed only if all required records are in.
            if let decoded = try? PatchMetadata(decoding: bytes[0..<length]) {
                XCTAssertEqual(decoded.id, sample().id)
            }
        }
    }

    func testMissingBuildIDIsRefused() {
        var bytes = Array(PatchMetadata.encodeHeaderForTests())
        bytes += [1, 0, 3, 0, 0, 0] + Array("abc".utf8)
        XCTAssertThrowsError(try PatchMetadata(decoding: bytes[...])) { error in
            XCTAssertTrue("\(error)".contains("build-id"), "\(error)")
        }
    }
}

extension PatchMetadata {
    /// The 16-byte header of a version-1 relocatable patch, for hand-made records.
    fileprivate static func encodeHeaderForTests() -> [UInt8] {
        Array("HOTPATCH".utf8) + [1, 0, 0, 0, 1, 0, 0, 0]
    }
}
