import Foundation
import Shared
import TestSupport
import XCTest

/// The parity service does what the story needs: v1 misclassifies and v2 does not (executable
/// and shared library), the stall meter sees a stopped process, options and exit signals work,
/// and v1 and v2 builds share one layout.
final class ParityServiceTests: XCTestCase {

    // MARK: The bug and the fix

    func testExecutableV1MisclassifiesAQuarterOfAllNumbersAndV2None() throws {
        try assertOnlyV1Misclassifies(
            v1: .executable(.v1), v2: .executable(.v2), variant: .executable,
            modules: ("parity-v1", "parity-v2"))
    }

    func testSharedLibraryV1MisclassifiesAQuarterOfAllNumbersAndV2None() throws {
        try assertOnlyV1Misclassifies(
            v1: .sharedLibrary(.v1), v2: .sharedLibrary(.v2), variant: .sharedLibrary,
            modules: ("libparity-v1.so", "libparity-v2.so"))
    }

    /// Runs both versions side by side for two lines each.
    private func assertOnlyV1Misclassifies(
        v1 v1Program: ParityService.Program, v2 v2Program: ParityService.Program, variant: ParityLine.Variant,
        modules: (v1: String, v2: String)
    ) throws {
        let v1 = try ParityService.start(v1Program, .init(threads: 2))
        let v2 = try ParityService.start(v2Program, .init(threads: 2))
        let first = try v1.waitForLine()
        let second = try v1.waitForLine(skipping: 1)
        let fixed = try v2.waitForLine(skipping: 1)

        XCTAssertEqual(second.variant, variant)
        XCTAssertEqual(second.module, modules.v1)
        XCTAssertEqual(second.pid, v1.pid)
        XCTAssertGreaterThan(first.misclassified, 0)
        XCTAssertGreaterThan(second.misclassified, first.misclassified, "v1's count grows")
        XCTAssertEqual(second.misclassifiedDelta, second.misclassified - first.misclassified)
        XCTAssertEqual(second.even + second.odd, second.total)
        // The bug calls the odd numbers ≡ 3 (mod 4) even: a quarter of a uniform stream. Over
        // thousands of numbers the share is within a few tenths of a percent of 0.25.
        let share = Double(second.misclassified) / Double(second.total)
        XCTAssertTrue((0.2...0.3).contains(share), "v1 misclassified \(share) of \(second.total) numbers")

        XCTAssertEqual(fixed.variant, variant)
        XCTAssertEqual(fixed.module, modules.v2)
        XCTAssertGreaterThan(fixed.total, 0)
        XCTAssertEqual(fixed.misclassified, 0, "v2 classifies every number right")
        XCTAssertEqual(fixed.misclassifiedDelta, 0)
        XCTAssertNotEqual(second.buildID, fixed.buildID)

        XCTAssertEqual(try v1.stop().status, 0)
        XCTAssertEqual(try v2.stop().status, 0)
    }

    func testParityLibLoadsTheLibraryInItsOwnDirectoryThroughOrigin() throws {
        // A deployment of its own: a copy of parity-lib with libparity.so (v2) beside it, started
        // by a shell that appends stdout and stderr to a log, as the lab does; no LD_LIBRARY_PATH.
        let build = try ParityBuild.built()
        let directory = try temporaryDirectory()
        try FileManager.default.copyItem(atPath: build.sharedLibraryLoop, toPath: directory + "/parity-lib")
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/libparity.so", withDestinationPath: build.library(.v2))
        var environment = ProcessInfo.processInfo.environment
        environment["LD_LIBRARY_PATH"] = nil
        let result = try Subprocess.run(
            "/bin/sh", ["-c", "exec ./parity-lib --threads 1 --seconds 1 >>parity.log 2>&1"],
            environment: environment, currentDirectory: directory)
        XCTAssertEqual(result.status, 0, result.stderr)

        let lines = try ParityLog(path: directory + "/parity.log").lines()
        let final = try XCTUnwrap(lines.last)
        XCTAssertEqual(final.variant, .sharedLibrary)
        XCTAssertEqual(final.module, "libparity-v2.so", "RUNPATH $ORIGIN found the library beside the copy")
        XCTAssertTrue(final.isFinal)
        XCTAssertEqual(final.misclassified, 0)
    }

    // MARK: The stall meter

    func testStallMeterShowsA200MillisecondStopInTheNextLine() throws {
        let service = try ParityService.start(.executable(.v2), .init(threads: 2))
        _ = try service.waitForLine()
        try service.suspend()  // returns once every thread is stopped
        let linesBeforeTheStop = try service.lines().count
        Thread.sleep(forTimeInterval: 0.2)
        service.resume()

        let next = try service.waitForLine(skipping: linesBeforeTheStop)
        XCTAssertGreaterThanOrEqual(
            next.maxGapMicroseconds, 200_000, "the stop shows in the first line after it")
        XCTAssertEqual(try service.stop().status, 0)
    }

    func testStallMeterKeepsTheWholeGapWhenTheStopSpansTheReportersTicks() throws {
        // Lines every 100 ms and a 300 ms stop: the reporter is stopped over several of its
        // ticks and must still report the whole gap when it runs again, not lose it.
        let service = try ParityService.start(.executable(.v2), .init(threads: 2, intervalMilliseconds: 100))
        _ = try service.waitForLine()
        try service.suspend()
        let linesBeforeTheStop = try service.lines().count
        Thread.sleep(forTimeInterval: 0.3)
        service.resume()

        let next = try service.waitForLine(skipping: linesBeforeTheStop)
        XCTAssertGreaterThanOrEqual(next.maxGapMicroseconds, 300_000)
        XCTAssertEqual(try service.stop().status, 0)
    }

    // MARK: Options and exit

    func testOptionsReachTheService() throws {
        let build = try ParityBuild.built()
        let result = try Subprocess.run(
            build.executable(.v1),
            ["--threads", "3", "--delay-us", "0", "--seconds", "1", "--interval-ms", "250", "--seed", "42"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map { try ParityLine(parsing: $0) }

        XCTAssertGreaterThanOrEqual(lines.count, 2, "--interval-ms 250 gives lines before the final one")
        XCTAssertEqual(lines.map(\.sequence), Array(1...UInt64(lines.count)))
        XCTAssertEqual(lines.map(\.isFinal), Array(repeating: false, count: lines.count - 1) + [true])
        for line in lines {
            XCTAssertEqual(line.threads, 3)
            XCTAssertEqual(line.delayMicroseconds, 0)
        }
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(lines.last).elapsedMilliseconds, 1000, "--seconds 1")
    }

    func testBadOptionsExitTwoNamingTheProblem() throws {
        let build = try ParityBuild.built()
        let cases: [(arguments: [String], complaint: String)] = [
            (["--threads", "0"], "--threads wants a whole number from 1 to 256, got '0'"),
            (["--threads", "many"], "--threads wants a whole number from 1 to 256, got 'many'"),
            (["--delay-us", "-5"], "--delay-us wants a whole number from 0 to 10000000, got '-5'"),
            (["--seconds", "1s"], "--seconds wants a whole number"),
            (["--interval-ms", "5"], "--interval-ms wants a whole number from 10 to 60000"),
            (["--threads"], "option '--threads' needs a value"),
            (["--frobnicate"], "unknown option '--frobnicate'"),
            (["extra"], "unexpected argument 'extra'"),
        ]
        for (arguments, complaint) in cases {
            let result = try Subprocess.run(build.executable(.v1), arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(complaint), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments): no report line")
        }
        let help = try Subprocess.run(build.executable(.v1), ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--delay-us N"))
    }

    func testSigtermAndSigintPrintAFinalLineAndExitZero() throws {
        let terminated = try ParityService.start(.executable(.v1), .init(threads: 1))
        let interrupted = try ParityService.start(.sharedLibrary(.v1), .init(threads: 1))
        for (service, signal) in [(terminated, ParityService.Signal.terminate), (interrupted, .interrupt)] {
            let running = try service.waitForLine()
            let exit = try service.stop(signal)

            XCTAssertEqual(exit.status, 0, "\(signal): \(exit.stderr)")
            let final = try XCTUnwrap(exit.finalLine, "\(signal): the last line is final=1")
            XCTAssertEqual(exit.lines.filter(\.isFinal).count, 1)
            XCTAssertEqual(final.pid, service.pid)
            XCTAssertGreaterThanOrEqual(final.total, running.total)
            XCTAssertFalse(service.isRunning)
        }
    }

    // MARK: Reading lines

    func testLogReaderSkipsForeignLinesAndLeavesAnUnfinishedLineForLater() throws {
        let log = try temporaryDirectory() + "/parity.log"
        let first = Self.sampleLine(sequence: 1)
        try "parity: a message on stderr\n\(first)\n\(Self.sampleLine(sequence: 2))".write(
            toFile: log, atomically: true, encoding: .utf8)
        let reader = ParityLog(path: log)
        XCTAssertEqual(try reader.lines().map(\.sequence), [1], "the second line has no newline yet")

        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n".utf8))
        try handle.close()
        XCTAssertEqual(try reader.waitForLine(skipping: 1).sequence, 2)
        XCTAssertEqual(try ParityLog(path: log + ".missing").lines(), [])
    }

    func testLineParsesEveryField() throws {
        let line = try ParityLine(parsing: Self.sampleLine(sequence: 7))
        XCTAssertEqual(line.variant, .sharedLibrary)
        XCTAssertEqual(line.module, "libparity-v1.so")
        XCTAssertEqual(line.buildID?.hex, "69abd7b6b4fc6cd0f10a8efcfa551b2313617b1e")
        XCTAssertEqual(line.pid, Pid(17662))
        XCTAssertEqual(line.threads, 2)
        XCTAssertEqual(line.delayMicroseconds, 1000)
        XCTAssertEqual(line.sequence, 7)
        XCTAssertEqual(line.elapsedMilliseconds, 7001)
        XCTAssertEqual(line.total, 12000)
        XCTAssertEqual(line.even, 9000)
        XCTAssertEqual(line.odd, 3000)
        XCTAssertEqual(line.misclassified, 3010)
        XCTAssertEqual(line.totalDelta, 1700)
        XCTAssertEqual(line.misclassifiedDelta, 420)
        XCTAssertEqual(line.maxGapMicroseconds, 203_456)
        XCTAssertFalse(line.isFinal)
    }

    func testMalformedLinesAreRefusedNamingTheField() {
        let cases: [(line: String, reason: String)] = [
            ("parity variant=exe", "no module= field"),
            (
                Self.sampleLine(sequence: 1).replacingOccurrences(of: "total=12000", with: "total=lots"),
                "total is not a whole number"
            ),
            (
                Self.sampleLine(sequence: 1).replacingOccurrences(of: "variant=lib", with: "variant=jar"),
                "variant is neither exe nor lib"
            ),
            ("parity seq", "'seq' is not key=value"),
            ("hello world", "does not start with 'parity '"),
        ]
        for (line, reason) in cases {
            XCTAssertThrowsError(try ParityLine(parsing: line), line) { error in
                XCTAssertEqual((error as? ParityLineError)?.reason, reason)
            }
        }
    }

    private static func sampleLine(sequence: UInt64) -> String {
        "parity variant=lib module=libparity-v1.so build_id=69abd7b6b4fc6cd0f10a8efcfa551b2313617b1e "
            + "pid=17662 threads=2 delay_us=1000 seq=\(sequence) t_ms=\(sequence * 1000 + 1) total=12000 "
            + "even=9000 odd=3000 misclassified=3010 total_delta=1700 misclassified_delta=420 "
            + "max_gap_us=203456 final=0"
    }

    /// A fresh directory removed when the test ends.
    private func temporaryDirectory() throws -> String {
        let directory =
            NSTemporaryDirectory() + "hotpatch-parity-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    // MARK: Layout

    func testV1AndV2BuildsShareOneLayout() throws {
        let build = try ParityBuild.built()
        let pairs = [
            (build.executable(.v1), build.executable(.v2)),
            (build.library(.v1), build.library(.v2)),
        ]
        for (v1, v2) in pairs {
            let v1Symbols = try definedSymbols(v1)
            XCTAssertTrue(v1Symbols.contains { $0.hasSuffix(" T is_even") }, "\(v1) defines is_even")
            XCTAssertEqual(v1Symbols, try definedSymbols(v2), "same symbols, addresses and sizes")
            XCTAssertNotEqual(try disassembly(of: "is_even", in: v1), try disassembly(of: "is_even", in: v2))
        }
        for version in ParityBuild.Version.allCases {
            let object = build.classifierObject(version)
            XCTAssertTrue(try definedSymbols(object).contains { $0.hasSuffix(" T is_even") }, object)
        }
    }

    private func definedSymbols(_ file: String) throws -> [String] {
        let result = try Subprocess.run("/usr/bin/nm", ["-S", "--defined-only", file])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    private func disassembly(of symbol: String, in file: String) throws -> [String] {
        let result = try Subprocess.run("/usr/bin/objdump", ["-d", "--disassemble=\(symbol)", file])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.split(separator: "\n").filter { $0.hasPrefix(" ") }.map(String.init)
    }
}
