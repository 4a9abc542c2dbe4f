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

    /// Inputs the fuzzer saved (crashes and timeouts, each fixed) run to the end without the fuzzer.
    func testSavedRegressionsFinish() throws {
        let saved = try FuzzInputs.files(in: "Tests/Fuzz/Regressions/InventoryFuzz")
        XCTAssertGreaterThanOrEqual(saved.count, 1)
        for input in saved {
            guard let parts = FuzzInputs.inventoryParts(input.bytes),
                let inventory = try? Inventory.parse(parts.text, file: parts.file)
            else { continue }
            _ = try? LimitPattern(parts.limit).select(from: inventory)
        }
    }

    /// fnmatch semantics, and a pattern of many stars that took exponential time before.
    func testGlobTable() {
        let cases: [(String, String, Bool)] = [
            ("web*", "web01", true), ("web*", "db01", false), ("*", "", true), ("", "", true),
            ("a?c", "abc", true), ("a?c", "ac", false), ("*a*b", "xaxb", true), ("*a*b", "xaxbc", false),
            ("[!0-9]x", "ax", true), ("[!0-9]x", "1x", false), ("[a-c]*", "beta", true),
            ("[abc", "[abc", true), ("[]]x", "]x", true), ("**a**", "bab", true),
            (String(repeating: "*", count: 60) + "[::\"!db-s]", String(repeating: "a", count: 200), false),
            (String(repeating: "*a", count: 30) + "b", String(repeating: "a", count: 300), false),
        ]
        for (pattern, name, expected) in cases {
            XCTAssertEqual(Glob.matches(Array(pattern)[...], Array(name)[...]), expected, "\(pattern) ~ \(name)")
        }
    }
}
