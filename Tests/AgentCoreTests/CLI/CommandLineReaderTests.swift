import AgentCore
import Shared
import XCTest

@testable import Agent

final class CommandLineReaderTests: XCTestCase {
    func testApplyWithEveryOption() throws {
        let options = try CommandLineReader.parse([
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
            XCTAssertThrowsError(try CommandLineReader.parse(arguments), "\(arguments)") { error in
                XCTAssertTrue("\(error)".contains(expected), "\(arguments): \(error)")
            }
        }
    }

    func testPreflightTakesThePatchAndNoTargets() throws {
        let options = try CommandLineReader.parse(["preflight", "/tmp/p.hotpatch", "--need", "4096", "--json"])
        XCTAssertEqual(options.command, .preflight)
        XCTAssertEqual(options.patchPath, "/tmp/p.hotpatch")
        XCTAssertEqual(options.selection, .all)
        XCTAssertEqual(options.neededBytes, 4096)
    }

    func testDurations() throws {
        XCTAssertEqual(try CommandLineReader.duration("10", flag: "--timeout"), 10_000_000)
        XCTAssertEqual(try CommandLineReader.duration("250us", flag: "--timeout"), 250)
        XCTAssertEqual(try CommandLineReader.duration("2m", flag: "--timeout"), 120_000_000)
    }
}
