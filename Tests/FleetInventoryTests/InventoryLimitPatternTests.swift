import XCTest

@testable import FleetInventory

/// `--limit` patterns, including the examples of Ansible's patterns guide, with Ansible's
/// evaluation order (unions, then intersections, then exclusions) and results in inventory order.
final class InventoryLimitPatternTests: XCTestCase {
    private let inventory = try! Inventory.parse(
        """
        [webservers]
        web1.example.com
        web2.example.com
        one.example.com

        [dbservers]
        db1.example.com
        db2.example.com
        one-db.example.com

        [staging]
        web1.example.com
        db1.example.com
        db2.example.com

        [phoenix]
        db2.example.com

        [atlanta]
        web2.example.com
        192.0.2.7

        [empty]
        """, file: "fleet.ini")

    private func select(_ pattern: String) throws -> [String] {
        try LimitPattern(pattern).select(from: inventory).map(\.name)
    }

    func testPatternsGuideTable() throws {
        let table: [(pattern: String, hosts: [String])] = [
            ("all", inventory.hosts.map(\.name)),
            ("*", inventory.hosts.map(\.name)),
            ("web1.example.com", ["web1.example.com"]),
            ("web1.example.com:db1.example.com", ["web1.example.com", "db1.example.com"]),
            ("web1.example.com,db1.example.com", ["web1.example.com", "db1.example.com"]),
            ("webservers", ["web1.example.com", "web2.example.com", "one.example.com"]),
            (
                "webservers:dbservers",
                [
                    "web1.example.com", "web2.example.com", "one.example.com", "db1.example.com",
                    "db2.example.com", "one-db.example.com",
                ]
            ),
            ("webservers:!atlanta", ["web1.example.com", "one.example.com"]),
            ("webservers:&staging", ["web1.example.com"]),
            ("webservers:dbservers:&staging:!phoenix", ["web1.example.com", "db1.example.com"]),
            ("192.0.2.*", ["192.0.2.7"]),
            (
                "*.example.com",
                [
                    "web1.example.com", "web2.example.com", "one.example.com", "db1.example.com",
                    "db2.example.com", "one-db.example.com",
                ]
            ),
            (
                "one*.com:dbservers",
                ["one.example.com", "db1.example.com", "db2.example.com", "one-db.example.com"]
            ),
            (
                "~(web|db).*\\.example\\.com",
                [
                    "web1.example.com", "web2.example.com", "db1.example.com",
                    "db2.example.com",
                ]
            ),
        ]
        for row in table {
            XCTAssertEqual(try select(row.pattern), row.hosts, row.pattern)
        }
    }

    func testOperatorsApplyInAnsibleOrderWhateverTheWrittenOrder() throws {
        let table: [(pattern: String, hosts: [String])] = [
            // Written exclusion-first or intersection-first: still unions, then &, then !.
            ("!phoenix:&staging:dbservers:webservers", ["web1.example.com", "db1.example.com"]),
            ("&staging:webservers", ["web1.example.com"]),
            // Only & and ! terms start from all.
            ("&staging", ["web1.example.com", "db1.example.com", "db2.example.com"]),
            ("!webservers:!dbservers", ["192.0.2.7"]),
            // An existing but empty group matches nothing without being an error.
            ("webservers:!empty", ["web1.example.com", "web2.example.com", "one.example.com"]),
            // Globs over group names select the groups' hosts; results keep inventory order.
            ("*servers:&atlanta", ["web2.example.com"]),
            ("db?.example.com", ["db1.example.com", "db2.example.com"]),
            ("db[!1].example.com", ["db2.example.com"]),
            // Regexes match from the start of names (Python re.match), group names included:
            // `~db` also matches the group dbservers, so one-db comes with it.
            ("~db", ["db1.example.com", "db2.example.com", "one-db.example.com"]),
            ("~db\\d", ["db1.example.com", "db2.example.com"]),
            (" webservers , !atlanta ", ["web1.example.com", "one.example.com"]),
        ]
        for row in table {
            XCTAssertEqual(try select(row.pattern), row.hosts, row.pattern)
        }
    }

    func testPatternsGuideSubscriptsCountInGroupOrderWithInclusiveRanges() throws {
        // The guide's group; `weber` appears earlier in the file, but subscripts count in the
        // group's own order. Ranges include both ends, as current Ansible does (older guides
        // showed [0:2] as two hosts; the code has always taken three).
        let guide = try Inventory.parse(
            "[other]\nweber\n[webservers]\ncobweb\nwebbing\nweber\n", file: "guide.ini")
        let table: [(pattern: String, hosts: [String])] = [
            ("webservers[0]", ["cobweb"]),
            ("webservers[-1]", ["weber"]),
            ("webservers[0:2]", ["weber", "cobweb", "webbing"]),  // results in inventory order
            ("webservers[1:2]", ["weber", "webbing"]),
            ("webservers[1:]", ["weber", "webbing"]),
            ("webservers[:3]", ["weber", "cobweb", "webbing"]),
            ("webservers[0-1]", ["cobweb", "webbing"]),
            ("all:!webservers[0]", ["weber", "webbing"]),
        ]
        for row in table {
            XCTAssertEqual(
                try LimitPattern(row.pattern).select(from: guide).map(\.name), row.hosts, row.pattern)
        }
        XCTAssertThrowsError(try LimitPattern("webservers[3]").select(from: guide)) { error in
            XCTAssertTrue(String(describing: error).contains("\"webservers[3]\""), "\(error)")
        }
        XCTAssertEqual(LimitPattern.splitSubscript("web[0-9]*").1, nil, "a glob class stays a glob")
    }

    func testTermsAreSplitOnCommasOrOnColonsOutsideBrackets() {
        XCTAssertEqual(LimitPattern.splitTerms("a:b:&c:!d"), ["a", "b", "&c", "!d"])
        XCTAssertEqual(LimitPattern.splitTerms("a,b:c"), ["a", "b:c"])
        XCTAssertEqual(LimitPattern.splitTerms("web[1:3]:db"), ["web[1:3]", "db"])
    }

    func testUnmatchedPatternsAreErrorsListingThem() {
        let table: [(pattern: String, mentions: [String])] = [
            ("webserver", ["\"webserver\""]),
            ("webservers:!phenix:&stagin", ["\"!phenix\"", "\"&stagin\""]),
            ("nomatch*", ["\"nomatch*\""]),
            ("WEBSERVERS", ["\"WEBSERVERS\"", "case-sensitive"]),
            ("webservers:&phoenix", ["selects no hosts"]),
            ("!all", ["selects no hosts"]),
        ]
        for row in table {
            XCTAssertThrowsError(try select(row.pattern), row.pattern) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("--limit '\(row.pattern)':"), message)
                for mention in row.mentions { XCTAssertTrue(message.contains(mention), message) }
            }
        }
    }

    func testNoLimitMeansEveryHostAndAnEmptyInventorySelectsNothing() throws {
        XCTAssertEqual(try inventory.hosts(limit: nil).map(\.name), inventory.hosts.map(\.name))
        XCTAssertEqual(try inventory.hosts(limit: "atlanta").map(\.name), ["web2.example.com", "192.0.2.7"])
        let empty = try Inventory.parse("# nothing yet\n", file: "empty.ini")
        XCTAssertThrowsError(try empty.hosts(limit: nil)) { error in
            XCTAssertTrue(String(describing: error).contains("selects no hosts in empty.ini"), "\(error)")
        }
    }

    func testMalformedPatternsAreRefusedBeforeSelection() {
        for pattern in ["", " , ", "webservers:!", "&", "~([unclosed"] {
            XCTAssertThrowsError(try LimitPattern(pattern), pattern)
        }
    }
}
