import Foundation
import XCTest

@testable import Fleet
@testable import SSH

/// What people see of untrusted text: control characters shown as `\u{XX}`, never obeyed;
/// what programs see (`--json`, the journal) stays exact.
final class TerminalEscapingTests: XCTestCase {
    func testControlCharactersAreShownAsEscapes() {
        let cases: [(String, Bool, String)] = [
            ("plain text, accents é and 漢字", false, "plain text, accents é and 漢字"),
            ("\u{1B}]0;pwned\u{07}\u{1B}[2K", false, #"\u{1B}]0;pwned\u{07}\u{1B}[2K"#),
            ("a\u{9B}31mb", false, #"a\u{9B}31mb"#),
            ("nul\u{0}del\u{7F}", false, #"nul\u{00}del\u{7F}"#),
            ("back\rspace\u{08}", true, #"back\u{0D}space\u{08}"#),
            ("line1\nline2\tcol", false, #"line1\u{0A}line2\u{09}col"#),
            ("line1\nline2\tcol", true, "line1\nline2\tcol"),
            ("C1 edges \u{80}\u{9F}\u{A0}", false, "C1 edges \\u{80}\\u{9F}\u{A0}"),
            ("admin\u{202E}gpj.exe", false, #"admin\u{202E}gpj.exe"#),
            ("invalid \u{FFFD} stays", false, "invalid \u{FFFD} stays"),
            (#"a literal \u{1B} stays"#, false, #"a literal \u{1B} stays"#),
        ]
        for (input, multiline, expected) in cases {
            let shown = Terminal.escaped(input, multiline: multiline)
            XCTAssertEqual(shown, expected, "\(input.debugDescription)")
            XCTAssertEqual(
                Terminal.escaped(shown, multiline: multiline), shown, "escaping twice changes nothing")
        }
    }

    func testEveryEscapedScalarIsGoneFromTheShownText() {
        let all = String(String.UnicodeScalarView((0...0x2070).compactMap(Unicode.Scalar.init)))
        for multiline in [false, true] {
            let shown = Terminal.escaped(all, multiline: multiline)
            let left = shown.unicodeScalars.filter { Terminal.mustEscape($0, multiline: multiline) }
            XCTAssertTrue(left.isEmpty, "still raw: \(left.map { String($0.value, radix: 16) })")
        }
    }

    func testInvalidUTF8FromAHostIsShownAsTheReplacementCharacter() {
        let capture = OutputCapture(whole: [0x61, 0x9B, 0xFF, 0x62])
        XCTAssertEqual(Terminal.escaped(capture.text), "a\u{FFFD}\u{FFFD}b")
    }

    func testTheJSONOfARecordKeepsTheExactTextAndHoldsNoRawControlByte() throws {
        let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2K\u{9B}\u{0}\u{7F}\r\n\t\u{202E}"
        let record = RolloutRecord(
            rollout: JournalTestRecords.rollout, sequence: 1, time: JournalTestRecords.t0,
            event: .checked(
                CheckRound(
                    wave: 1, round: 1, checked: 1,
                    failures: [HostFailure(host: "lab\u{1B}[31m", unreachable: false, message: hostile)])))
        let line = try record.jsonLine()
        XCTAssertFalse(line.utf8.contains { $0 < 0x20 }, "JSON escapes C0 itself: \(line.debugDescription)")
        let back = try RolloutRecord.makeDecoder().decode(RolloutRecord.self, from: Data(line.utf8))
        guard case .checked(let round) = back.event else { return XCTFail("not a check round: \(line)") }
        XCTAssertEqual(round.failures.first?.message, hostile)
        XCTAssertEqual(round.failures.first?.host, "lab\u{1B}[31m")
    }

    func testTheHumanReporterAndTheTablesShowHostileTextEscaped() {
        let (reporter, text) = ReportingTests.capture(isTerminal: false) { HumanReporter(output: $0) }
        let events: [RolloutEvent] = [
            .started(JournalTestRecords.start()),
            .waveStarted(WaveStart(wave: 1, hosts: ["a"])),
            JournalTestRecords.failed("a", wave: 1, "agent said \u{1B}]0;pwned\u{07}\u{1B}[2K\u{9B}"),
            .finished(RolloutEnd(result: .completedWithFailures, totals: RolloutTotals(hosts: 3, failed: 1))),
        ]
        for record in JournalTestRecords.records(events) { reporter.report(record) }
        let shown = text()
        XCTAssertFalse(shown.unicodeScalars.contains { Terminal.mustEscape($0, multiline: true) }, shown)
        XCTAssertTrue(shown.contains(#"a: failed: agent said \u{1B}]0;pwned\u{07}\u{1B}[2K\u{9B}"#), shown)
        XCTAssertTrue(shown.contains(#"agent said \u{1B}]0;pwned\u{07}\u{1B}[2K\u{9B}"#), shown)

        let table = TextTable.render([["HOST", "DETAIL"], ["web\u{1B}[2J01", "tab\there"]])
        let escapedHost = #"web\u{1B}[2J01"#
        XCTAssertEqual(
            table,
            "HOST" + String(repeating: " ", count: escapedHost.count - 2) + "DETAIL\n" + escapedHost
                + #"  tab\u{09}here"# + "\n", "columns measured on the escaped text")
    }
}
