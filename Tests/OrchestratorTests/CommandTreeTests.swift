import XCTest

@testable import Orchestrator

final class CommandTreeTests: XCTestCase {
    func testRootCommandIsNamedHotpatch() {
        XCTAssertEqual(Hotpatch.configuration.commandName, "hotpatch")
    }
}
