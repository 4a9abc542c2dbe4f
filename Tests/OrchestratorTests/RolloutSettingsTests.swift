import ArgumentParser
import Foundation
import XCTest

@testable import Fleet
@testable import Orchestrator

/// The fleet-wide safe-point settings reach every agent run and survive the journal.
final class RolloutSettingsTests: XCTestCase {
    func testSafePointOptionsBecomeAgentArguments() throws {
        let table: [(arguments: [String], agent: [String])] = [
            ([], []),
            (["--max-pause", "2s"], ["--max-pause", "2000000us"]),
            (
                ["--max-pause", "500ms", "--safe-point-timeout", "30s"],
                ["--max-pause", "500000us", "--timeout", "30000ms"]
            ),
            (["--safe-point-timeout", "1m"], ["--timeout", "60000ms"]),
        ]
        for row in table {
            var settings = RolloutSettings()
            try SafePointOptions.parse(row.arguments).apply(to: &settings)
            XCTAssertEqual(settings.agentSafePointArguments, row.agent, "\(row.arguments)")
        }
    }

    func testZeroMaxPauseIsRefusedNamingTheFlag() {
        XCTAssertThrowsError(try SafePointOptions.parse(["--max-pause", "0"])) { error in
            XCTAssertTrue(SafePointOptions.message(for: error).contains("--max-pause"))
        }
    }

    func testAJournalWrittenBeforeTheseSettingsExistedStillDecodes() throws {
        let old =
            #"{"kind":"rollout","forks":50,"maxFailed":"0","unreachableFails":false,"checkTimeoutSeconds":30,"#
            + #""checkIntervalSeconds":5,"soakSeconds":0,"rollbackOnHalt":true,"connectTimeoutSeconds":10,"#
            + #""hostTimeoutSeconds":120,"acceptNewHostKeys":false}"#
        let settings = try JSONDecoder().decode(RolloutSettings.self, from: Data(old.utf8))
        XCTAssertEqual(settings.agentSafePointArguments, [])
    }
}
