import Shared
import XCTest

final class AgentVersionTests: XCTestCase {
    func testVersionIsSemantic() {
        XCTAssertEqual(HotpatchVersion.current.split(separator: ".").count, 3)
    }
}
