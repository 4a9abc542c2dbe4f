import Foundation
import XCTest

@testable import Fleet

/// The journal on disk: one JSON object per line with the rollout id in each, read back
/// exactly; a line torn by a crash at the end is ignored, a bad line in the middle is not.
final class JournalFileTests: XCTestCase {
    typealias R = JournalTestRecords
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "journal-tests-" + UUID().uuidString
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testWrittenEventsReadBackInOrderWithTheRolloutIdOnEveryLine() throws {
        let journal = try RolloutJournal.create(rollout: R.rollout, directory: directory)
        let events: [RolloutEvent] = [.started(R.start()), R.intent("a", wave: 1), R.patched("a", wave: 1)]
        for (index, event) in events.enumerated() {
            try journal.append(event, time: R.t0.addingTimeInterval(Double(index)))
        }

        let text = try String(contentsOfFile: journal.path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for line in lines { XCTAssertTrue(line.contains("\"rollout\":\"\(R.rollout)\""), String(line)) }
        XCTAssertTrue(lines[1].contains("\"event\":\"applyIntent\""))
        XCTAssertEqual(try RolloutJournal.read(path: journal.path), R.records(events))
    }

    func testATornLastLineIsIgnoredAndResumeContinuesTheSequence() throws {
        // The crashed writer: its journal (and the lock it holds) is gone before the reopen.
        let path = try {
            let journal = try RolloutJournal.create(rollout: R.rollout, directory: directory)
            try journal.append(.started(R.start()), time: R.t0)
            try journal.append(R.intent("a", wave: 1), time: R.t0)
            return journal.path
        }()
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"rollout\":\"\(R.rollout)\",\"seq\":3,\"ev".utf8))
        try handle.close()

        let records = try RolloutJournal.read(path: path)
        XCTAssertEqual(records.count, 2)
        let progress = RolloutProgress(replaying: records)
        XCTAssertEqual(progress.applyInDoubt, ["a"])
        // The torn tail never ended in a newline, so the reopened journal's next line must not
        // be glued to it: resume appends after a newline of its own.
        let reopened = try RolloutJournal.reopen(
            rollout: R.rollout, directory: directory, lastSequence: progress.lastSequence)
        try reopened.append(R.patched("a", wave: 1), time: R.t0)
        let again = try RolloutJournal.read(path: path)
        XCTAssertEqual(again.map(\.sequence), [1, 2, 3])
        XCTAssertEqual(RolloutProgress(replaying: again).applyInDoubt, [])
    }

    func testACorruptLineInTheMiddleIsAnErrorNamingTheLine() throws {
        let path = directory + "/bad.jsonl"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let good = try R.records([.started(R.start())])[0].jsonLine()
        try (good + "\nnot json\n" + good + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RolloutJournal.read(path: path)) { error in
            XCTAssertTrue("\(error)".contains("line 2"), "\(error)")
        }
    }

    func testRolloutIdsAreValidatedAndFreshOnesDiffer() {
        XCTAssertNil(RolloutID("../etc/passwd"))
        XCTAssertNil(RolloutID(""))
        XCTAssertNotEqual(RolloutID.generate(), RolloutID.generate())
        XCTAssertNotNil(RolloutID(RolloutID.generate().rawValue))
    }
}
