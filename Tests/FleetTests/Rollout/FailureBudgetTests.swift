import XCTest

@testable import Fleet

/// `--max-failed`: one budget for the whole rollout; exceeding (not reaching) halts, as with
/// Ansible's max_fail_percentage; a wave where every host failed halts; unreachable hosts are
/// counted apart unless `--unreachable-fails`.
final class FailureBudgetTests: XCTestCase {
    func testParsing() throws {
        let table: [(text: String, limit: FailureBudget.Limit)] = [
            ("0", .hosts(0)), ("3", .hosts(3)), ("0%", .percent(0)), ("25%", .percent(25)),
            ("100%", .percent(100)),
        ]
        for row in table { XCTAssertEqual(try FailureBudget(parsing: row.text).limit, row.limit, row.text) }
        for bad in ["", "-1", "x", "101%", "2.5%", "5 hosts"] {
            XCTAssertThrowsError(try FailureBudget(parsing: bad), bad) { error in
                XCTAssertTrue(String(describing: error).hasPrefix("--max-failed '\(bad)':"), "\(error)")
            }
        }
    }

    func testAllowedFailuresIsTheLargestCountNotExceedingTheBudget() throws {
        let table: [(budget: String, total: Int, allowed: Int)] = [
            ("0", 10, 0),
            ("2", 10, 2),
            ("0%", 10, 0),
            ("10%", 25, 2),  // 2.5 hosts: 2 failures are within, 3 exceed
            ("20%", 10, 2),  // exactly 2: reaching 20% is allowed, exceeding halts
            // Ansible's guide: with 4 hosts, to halt when 2 fail set 49, not 50.
            ("49%", 4, 1),
            ("50%", 4, 2),
            ("100%", 7, 7),
        ]
        for row in table {
            let budget = try FailureBudget(parsing: row.budget)
            XCTAssertEqual(
                budget.allowedFailures(totalHosts: row.total), row.allowed, "\(row.budget) of \(row.total)")
            XCTAssertFalse(budget.isExceeded(by: FailureTally(failed: row.allowed), totalHosts: row.total))
            if row.allowed < row.total {
                XCTAssertTrue(
                    budget.isExceeded(by: FailureTally(failed: row.allowed + 1), totalHosts: row.total))
            }
        }
    }

    func testDecisionsAfterAWave() throws {
        let total = 100
        let table:
            [(
                budget: String, unreachableFails: Bool, wave: FailureTally, rollout: FailureTally,
                expected: BudgetDecision
            )] = [
                ("0", false, FailureTally(succeeded: 1), FailureTally(succeeded: 1), .proceed),
                (
                    "0", false, FailureTally(failed: 1), FailureTally(failed: 1),
                    .halt(.budgetExceeded(spent: 1, allowed: 0))
                ),
                // Unreachable hosts are counted apart...
                (
                    "0", false, FailureTally(succeeded: 9, unreachable: 1),
                    FailureTally(succeeded: 10, unreachable: 1), .proceed
                ),
                // ...unless --unreachable-fails.
                (
                    "0", true, FailureTally(succeeded: 9, unreachable: 1),
                    FailureTally(succeeded: 10, unreachable: 1),
                    .halt(.budgetExceeded(spent: 1, allowed: 0))
                ),
                // The budget spans the whole rollout: 3 earlier failures plus 3 now exceed 5.
                (
                    "5", false, FailureTally(succeeded: 7, failed: 3), FailureTally(succeeded: 20, failed: 6),
                    .halt(.budgetExceeded(spent: 6, allowed: 5))
                ),
                (
                    "5%", false, FailureTally(succeeded: 7, failed: 3),
                    FailureTally(succeeded: 20, failed: 5), .proceed
                ),
                // A failed canary halts even within a generous budget (Ansible: a fully failed batch stops the play).
                (
                    "10%", false, FailureTally(failed: 1), FailureTally(failed: 1),
                    .halt(.wholeWaveFailed(hosts: 1))
                ),
                // An unreachable-only canary does not, unless unreachable hosts count as failures.
                ("10%", false, FailureTally(unreachable: 1), FailureTally(unreachable: 1), .proceed),
                (
                    "10%", true, FailureTally(unreachable: 1), FailureTally(unreachable: 1),
                    .halt(.wholeWaveFailed(hosts: 1))
                ),
                (
                    "10%", false, FailureTally(failed: 1, unreachable: 1),
                    FailureTally(failed: 1, unreachable: 1), .proceed
                ),
            ]
        for (index, row) in table.enumerated() {
            let budget = try FailureBudget(parsing: row.budget, unreachableFails: row.unreachableFails)
            XCTAssertEqual(
                budget.decision(wave: row.wave, rollout: row.rollout, totalHosts: total), row.expected,
                "row \(index)")
        }
    }

    func testTallyRecordsAndAdds() {
        var wave = FailureTally()
        for outcome: FailureTally.Outcome in [.succeeded, .failed, .unreachable, .succeeded] {
            wave.record(outcome)
        }
        XCTAssertEqual(wave, FailureTally(succeeded: 2, failed: 1, unreachable: 1))
        var rollout = FailureTally(succeeded: 5)
        rollout.add(wave)
        XCTAssertEqual(rollout.total, 9)
        XCTAssertEqual(
            FailureBudget(limit: .percent(5), unreachableFails: true).description, "5% (unreachable counted)")
    }
}
