import TestSupport
import XCTest

@testable import FleetInventory

/// The inventory fuzzer's seeds (scripts/fuzz, Fuzz/InventoryFuzz) replayed without the fuzzer:
/// each is a real inventory and a --limit pattern that parse and select.
final class InventoryFuzzRegressionTests: XCTestCase {
    func testSeedsParseAndSelect() throws {
        let seeds = try FuzzInputs.files(in: "Tests/Fuzz/Corpus/InventoryFuzz")
        XCTAssertGreaterThanOrEqual(seeds.count, 4)
        for seed in seeds {
            let parts = try XCTUnwrap(FuzzInputs.inventoryParts(seed.bytes), seed.name)
            let inventory = try Inventory.parse(parts.text, file: parts.file)
            XCTAssertFalse(inventory.hosts.isEmpty, seed.name)
            XCTAssertNoThrow(try LimitPattern(parts.limit).select(from: inventory), seed.name)
        }
    }
}
