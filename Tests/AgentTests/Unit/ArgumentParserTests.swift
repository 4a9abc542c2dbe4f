import Shared
import XCTest

@testable import Agent

final class ArgumentParserTests: XCTestCase {
    func testApplyWithEveryOption() throws {
        let options = try ArgumentParser.parse([
            "apply", "fix.hotpatch", "--pid", "1,2", "--pid", "3", "--timeout", "500ms", "--max-pause", "2ms",
            "--persist", "/opt/new", "--state-dir", "/tmp/s", "--json",
        ])
        XCTAssertEqual(options.selection, .pids([Pid(1), Pid(2), Pid(3)]))
        XCTAssertEqual(options.patchPath, "fix.hotpatch")
        XCTAssertEqual(options.timeoutNanoseconds, 500_000_000)
        XCTAssertEqual(options.maxPauseMicroseconds, 2000)
        XCTAssertEqual(options.persistPath, "/opt/new")
        XCTAssertTrue(options.json)
    }

    func testUsageErrorsNameTheFix() {
        let cases: [([String], String)] = [
            (["apply", "--all"], "patch file"),
            (["apply", "p", "--pid", "1", "--all"], "exactly one"),
            (["revert", "p", "--id", "x", "--all"], "one of them"),
            (["status", "--pid", "x"], "not a process id"),
            (["apply", "p", "--all", "--timeout", "soon"], "not a duration"),
            (["frobnicate"], "apply, revert, status or preflight"),
            (["preflight", "--json"], "preflight needs the patch file"),
            (["preflight", "p", "--need", "lots"], "not a byte count"),
            (["revert", "--id", "a b", "--all"], "patch id"),
        ]
        for (arguments, expected) in cases {
            XCTAssertThrowsError(try ArgumentParser.parse(arguments), "\(arguments)") { error in
                XCTAssertTrue("\(error)".contains(expected), "\(arguments): \(error)")
            }
        }
    }

    func testPreflightTakesThePatchAndNoTargets() throws {
        let options = try ArgumentParser.parse(["preflight", "/tmp/p.hotpatch", "--need", "4096", "--json"])
        XCTAssertEqual(options.command, .preflight)
        XCTAssertEqual(options.patchPath, "/tmp/p.hotpatch")
        XCTAssertEqual(options.selection, .all)
        XCTAssertEqual(options.neededBytes, 4096)
    }

    func testDurations() throws {
        XCTAssertEqual(try ArgumentParser.duration("10", flag: "--timeout"), 10_000_000)
        XCTAssertEqual(try ArgumentParser.duration("250us", flag: "--timeout"), 250)
        XCTAssertEqual(try ArgumentParser.duration("2m", flag: "--timeout"), 120_000_000)
    }

    func testExitCodeForMixedResults() {
        func report(_ kind: AgentExitCode?) -> ProcessReport {
            ProcessReport(
                pid: Pid(1), startTime: 1, executable: "", outcome: kind == nil ? .applied : .failed,
                error: kind.map { ProcessError(kind: $0, message: "") })
        }
        XCTAssertEqual(AgentCommand.exitCode([report(nil), report(nil)], failure: nil), .success)
        XCTAssertEqual(AgentCommand.exitCode([report(nil), report(.noSafePoint)], failure: nil), .partial)
        XCTAssertEqual(
            AgentCommand.exitCode([report(.permission), report(.permission)], failure: nil), .permission)
        XCTAssertEqual(
            AgentCommand.exitCode([report(.permission), report(.noSafePoint)], failure: nil), .failed)
        XCTAssertEqual(AgentCommand.exitCode([], failure: AgentFailure(.badPatch, "x")), .badPatch)
    }
}
