import Shared
import XCTest

final class IdentifierTests: XCTestCase {
    func testBuildIDRoundTripsThroughHex() {
        let id = BuildID(hex: "0a1B2c")
        XCTAssertEqual(id?.bytes, [0x0a, 0x1b, 0x2c])
        XCTAssertEqual(id?.hex, "0a1b2c")
    }

    func testBuildIDRejectsOddLengthAndNonHex() {
        XCTAssertNil(BuildID(hex: "abc"))
        XCTAssertNil(BuildID(hex: "zz"))
        XCTAssertNil(BuildID(hex: ""))
    }

    func testPatchIDAllowsOnlyFileNameSafeCharacters() {
        XCTAssertNotNil(PatchID("parity-fix_1.2"))
        XCTAssertNil(PatchID("a b"))
        XCTAssertNil(PatchID("$(reboot)"))
        XCTAssertNil(PatchID(String(repeating: "x", count: 65)))
    }
}
