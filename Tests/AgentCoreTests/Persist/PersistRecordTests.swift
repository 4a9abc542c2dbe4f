import Shared
import XCTest

@testable import AgentCore

/// The persist record's text: what `revert` and `status` read back, including an older agent's.
final class PersistRecordTests: XCTestCase {
    func testRecordsReadBackAsWritten() {
        let old = BuildID(hex: "aa11"), fixed = BuildID(hex: "bb22")
        let cases: [(String, String, [PersistRecord.Entry])] = [
            (
                "one file", "/srv/a\t/srv/a.bak\taa11\tbb22\n",
                [PersistRecord.Entry(path: "/srv/a", backup: "/srv/a.bak", replaced: old, installed: fixed)]
            ),
            (
                "two files", "/srv/a\t/srv/a.bak\taa11\tbb22\n/opt/a\t/opt/a.bak\taa11\tbb22\n",
                [
                    PersistRecord.Entry(
                        path: "/srv/a", backup: "/srv/a.bak", replaced: old, installed: fixed),
                    PersistRecord.Entry(
                        path: "/opt/a", backup: "/opt/a.bak", replaced: old, installed: fixed),
                ]
            ),
            (
                "an older agent's record", "/srv/a\n/srv/a.bak\n",
                [PersistRecord.Entry(path: "/srv/a", backup: "/srv/a.bak", replaced: nil, installed: nil)]
            ),
            ("a torn line is skipped", "/srv/a\t/srv/a.bak\taa", []),
        ]
        for (name, text, entries) in cases {
            let record = PersistRecord(patchID: "fix", text: text)
            XCTAssertEqual(record.entries, entries, name)
            if !entries.isEmpty, entries[0].installed != nil {
                XCTAssertEqual(record.text, text, name + ": written back the same")
            }
        }
        XCTAssertFalse(PersistRecord.canStore("/srv/a\tb"))
        XCTAssertTrue(PersistRecord.canStore("/srv/a b"))
    }
}
