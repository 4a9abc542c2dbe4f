import XCTest

@testable import FleetInventory
@testable import Fleet

/// `--waves` as Ansible's `serial`: counts and percentages of the TOTAL, rounded down but at
/// least 1, the last size repeating; with the examples of Ansible's "Controlling playbook
/// execution" guide.
final class WavePlanTests: XCTestCase {
    func testWaveSizesTable() throws {
        let table: [(waves: String, hosts: Int, sizes: [Int])] = [
            // Ansible guide: serial: 3 over 6 hosts runs two batches of 3.
            ("3", 6, [3, 3]),
            // Ansible guide: serial: "30%" over 10 hosts (the remainder makes the last batch).
            ("30%", 10, [3, 3, 3, 1]),
            // Ansible guide: serial: [1, 5, 10]: 1 host, then 5, then 10 at a time.
            ("1,5,10", 3, [1, 2]),
            ("1,5,10", 30, [1, 5, 10, 10, 4]),
            // Ansible guide: serial: ["10%", "20%", "100%"].
            ("10%,20%,100%", 20, [2, 4, 14]),
            ("10%,20%,100%", 100, [10, 20, 70]),
            // Mixed counts and percentages, as the guide allows.
            ("1,5,20%", 50, [1, 5, 10, 10, 10, 10, 4]),
            // The example; the canary is one host.
            ("1,10%,50%,100%", 100, [1, 10, 50, 39]),
            ("1,30%,100%", 10, [1, 3, 6]),
            // Percentages round down, but never below one host.
            ("10%", 5, [1, 1, 1, 1, 1]),
            ("33%", 10, [3, 3, 3, 1]),
            // More than there are hosts: one wave.
            ("100", 7, [7]),
            ("100%", 7, [7]),
            ("5", 0, []),
        ]
        for row in table {
            let schedule = try WaveSchedule(parsing: row.waves)
            let sizes = schedule.waveSizes(total: row.hosts)
            XCTAssertEqual(sizes, row.sizes, "\(row.waves) over \(row.hosts)")
            XCTAssertEqual(sizes.reduce(0, +), row.hosts, "\(row.waves) covers every host once")
        }
    }

    func testParsingAcceptsSpacesAndRoundTrips() throws {
        let schedule = try WaveSchedule(parsing: " 1, 10% ,50%,100% ")
        XCTAssertEqual(schedule.sizes, [.hosts(1), .percent(10), .percent(50), .percent(100)])
        XCTAssertEqual(schedule.description, "1,10%,50%,100%")
        XCTAssertEqual(WaveSchedule.allAtOnce.waveSizes(total: 4), [4])
    }

    func testParsingErrorsNameTheItem() {
        let table: [(waves: String, mentions: String)] = [
            ("", "item 1 \"\" is empty"),
            ("1,,5", "item 2 \"\" is empty"),
            ("1,x", "item 2 \"x\" is neither"),
            ("0", "at least 1 host"),
            ("-2", "at least 1 host"),
            ("0%", "above 0%"),
            ("12.5%", "whole percentage"),
            ("150%", "over 100%"),
            ("10 %", "whole percentage"),
        ]
        for row in table {
            XCTAssertThrowsError(try WaveSchedule(parsing: row.waves), row.waves) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("--waves '\(row.waves)':"), message)
                XCTAssertTrue(message.contains(row.mentions), message)
            }
        }
    }

    func testPlanCutsHostsInOrderAndTheFirstWaveIsTheCanary() throws {
        let hosts = (1...10).map { InventoryHost(name: "h\($0)") }
        let plan = WavePlan(hosts: hosts, schedule: try WaveSchedule(parsing: "1,30%,100%"))
        XCTAssertEqual(
            plan.waves.map { $0.hosts.map(\.name) },
            [
                ["h1"], ["h2", "h3", "h4"], ["h5", "h6", "h7", "h8", "h9", "h10"],
            ])
        XCTAssertEqual(plan.waves.map(\.number), [1, 2, 3])
        XCTAssertEqual(plan.waves.map(\.isCanary), [true, false, false])
        XCTAssertEqual(plan.hostCount, 10)
    }
}
