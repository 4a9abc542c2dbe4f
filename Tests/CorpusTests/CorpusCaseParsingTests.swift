import XCTest

/// The case.txt reader and create's `included:` parser, on tables: a typo in a case must fail
/// loudly, never silently drop a check.
final class CorpusCaseParsingTests: XCTestCase {
    func testIncludedListsSplitAtTopLevelCommasOnly() {
        let table: [(String, [String])] = [
            ("compute", ["compute"]),
            ("left, right", ["left", "right"]),
            ("_Z6scaledIdET_S0_,_Z6scaledIiET_S0_", ["_Z6scaledIdET_S0_", "_Z6scaledIiET_S0_"]),
            ("std::pair<int, int> f(int, int), g", ["std::pair<int, int> f(int, int)", "g"]),
            ("", []),
        ]
        for (list, names) in table {
            XCTAssertEqual(CorpusCase.names(list), names, list)
        }
    }

    func testCreateOutputGivesOnlyTheIncludedNames() {
        let output = """
            left out: other_work (identical to the target's once linked there)
            included: compute (5 bytes, the target's has 4)
            included: billing::price(int) (code differs at +2)
            new function: helper (called by compute)
            binds: observed (existing variable at 0x403c)
            """
        XCTAssertEqual(CorpusTools.includedNames(output), ["compute", "billing::price(int)"])
    }

    func testCaseTextDefaultsAndRefusals() throws {
        let plain = try CorpusCase(
            name: "x", directory: "/x",
            text: "summary: s\nlang: c\nincluded: a, b\nbefore: old\nafter: new\n# comment\n")
        XCTAssertEqual(plain.cflags, ["-O2"])
        XCTAssertEqual(plain.included, ["a", "b"])
        XCTAssertEqual(plain.expect, .apply)
        XCTAssertEqual(plain.applyTo, .sameBuild)
        let refusal = try CorpusCase(
            name: "y", directory: "/y",
            text: "summary: s\nlang: c++\nexpect: refuse-create\nrefusal: rate\npending: bind: TLS\n")
        XCTAssertEqual(refusal.expect, .refuseCreate)
        XCTAssertEqual(refusal.pending, "bind: TLS")
    }

    func testBadCaseTextIsAnErrorNamingTheProblem() {
        let table: [(String, String)] = [
            (
                "summary: s\nlang: c\nincluded: a\nbefore: b\nafter: c\nexpected: apply\n",
                "unknown key expected"
            ),
            ("summary: s\nlang: c\nincluded: a\nbefore: b\n", "missing after:"),
            ("summary: s\nlang: rust\nincluded: a\nbefore: b\nafter: c\n", "lang: must be c or c++"),
            ("summary: s\nlang: c\nexpect: refuse-apply\nbefore: b\n", "needs refusal:"),
            ("summary: s\nsummary: t\nlang: c\n", "summary given twice"),
            ("summary: s\nlang: c\nno colon here\n", "expected key: value"),
        ]
        for (text, message) in table {
            XCTAssertThrowsError(try CorpusCase(name: "bad", directory: "/bad", text: text), message) {
                error in
                XCTAssertTrue("\(error)".contains(message), "\(error) should say \(message)")
            }
        }
    }
}
