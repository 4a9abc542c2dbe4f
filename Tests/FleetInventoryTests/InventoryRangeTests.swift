import XCTest

@testable import FleetInventory

/// Host expressions: Ansible's ranges (numeric, zero-padded, letters, strides, several in one
/// name) and the `:port` suffix, with the errors for malformed ones.
final class InventoryRangeTests: XCTestCase {
    func testExpansionTable() throws {
        let table: [(String, [String], UInt16?)] = [
            ("web1", ["web1"], nil),
            ("web[1:3]", ["web1", "web2", "web3"], nil),
            ("web[01:03].example.com", ["web01.example.com", "web02.example.com", "web03.example.com"], nil),
            ("web[08:11]", ["web08", "web09", "web10", "web11"], nil),
            ("web[9:11]", ["web9", "web10", "web11"], nil),
            ("db-[a:c]", ["db-a", "db-b", "db-c"], nil),
            ("db-[x:C]", ["db-x", "db-y", "db-z", "db-A", "db-B", "db-C"], nil),
            ("n[1:10:3]", ["n1", "n4", "n7", "n10"], nil),
            ("n[a:g:2]", ["na", "nc", "ne", "ng"], nil),
            ("n[:2]", ["n0", "n1", "n2"], nil),
            ("r[1:2]-[a:b]", ["r1-a", "r1-b", "r2-a", "r2-b"], nil),
            ("badwolf.example.com:5309", ["badwolf.example.com"], 5309),
            ("web[1:2]:2222", ["web1", "web2"], 2222),
            ("192.0.2.1", ["192.0.2.1"], nil),
            ("2001:db8::1", ["2001:db8::1"], nil),
            ("[2001:db8::1]:2200", ["2001:db8::1"], 2200),
        ]
        for (text, names, port) in table {
            let expression = try HostExpression(text)
            XCTAssertEqual(expression.names, names, text)
            XCTAssertEqual(expression.port, port, text)
        }
    }

    func testMalformedExpressionsSayWhatIsWrong() {
        let table: [(String, String)] = [
            ("web[1:]", "end value"),
            ("web[01:5]", "equal length"),
            ("web[5:1]", "begin <= end"),
            ("web[1:5:0]", "stride"),
            ("web[a:5]", "numbers (01:50) or single letters"),
            ("web[1:3", "unbalanced '['"),
            ("web1]", "unbalanced ']'"),
            ("web[1]", "not a range"),
            ("host:99999", "port number"),
            ("host:ssh", "port number"),
        ]
        for (text, expected) in table {
            XCTAssertThrowsError(try HostExpression(text), text) { error in
                let message = (error as? HostExpressionError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
            }
        }
    }

    /// A range is counted before it is expanded: a billion-host typo is refused at once (the
    /// fuzzer's out-of-memory input), and so is an inventory whose lines add up past the limit.
    func testHostCountIsCappedBeforeExpanding() throws {
        XCTAssertEqual(try HostExpression("n[1:100000]").names.count, HostExpression.maximumNames)
        for text in ["web[0:999999999]", "r[0:999][0:999]", "n[0:100000]", "n[0:200000:2]"] {
            XCTAssertThrowsError(try HostExpression(text), text) { error in
                let message = (error as? HostExpressionError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains("more than 100000 hosts"), "\(text): \(message)")
            }
        }
        let ini = "[web]\nweb[1:60000]\n[db]\ndb[1:60000]\n"
        XCTAssertThrowsError(try Inventory.parse(ini, file: "big.ini")) { error in
            XCTAssertEqual((error as? InventoryError)?.location?.line, 4, "\(error)")
            XCTAssertTrue("\(error)".contains("split the fleet into several inventories"), "\(error)")
        }
        let yaml = "all:\n  hosts:\n    web[1:60000]:\n    db[1:60000]:\n"
        XCTAssertThrowsError(try Inventory.parse(yaml, file: "big.yml")) { error in
            XCTAssertTrue("\(error)".contains("more than 100000 hosts"), "\(error)")
        }
    }
}
