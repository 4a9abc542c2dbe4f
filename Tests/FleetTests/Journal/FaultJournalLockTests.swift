import Foundation
import XCTest

@testable import Fleet

/// One writer per rollout journal: while a `hotpatch` holds a journal open (rolling out,
/// resuming or rolling back), another one cannot reopen it; the lock goes with the writer, even
/// when it dies; and a reader whose replay went stale while it waited is refused too.
final class FaultJournalLockTests: XCTestCase {
    typealias R = JournalTestRecords
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "journal-lock-tests-" + UUID().uuidString
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testAJournalBeingWrittenCannotBeReopenedUntilItsWriterLetsGo() throws {
        var writer: RolloutJournal? = try RolloutJournal.create(rollout: R.rollout, directory: directory)
        try writer?.append(.started(R.start()), time: R.t0)
        let path = try XCTUnwrap(writer?.path)

        XCTAssertThrowsError(
            try RolloutJournal.reopen(rollout: R.rollout, directory: directory, lastSequence: 1)
        ) {
            XCTAssertEqual($0 as? RolloutJournalError, .busy(path: path))
            XCTAssertTrue("\($0)".contains("another hotpatch process is driving this rollout"), "\($0)")
        }
        writer = nil
        let next = try RolloutJournal.reopen(rollout: R.rollout, directory: directory, lastSequence: 1)
        try next.append(R.intent("a", wave: 1), time: R.t0)
        XCTAssertEqual(try RolloutJournal.read(path: path).map(\.sequence), [1, 2])
    }

    func testAStaleReplayIsRefusedAndNothingIsWritten() throws {
        let path = try {
            let journal = try RolloutJournal.create(rollout: R.rollout, directory: directory)
            try journal.append(.started(R.start()), time: R.t0)
            try journal.append(R.intent("a", wave: 1), time: R.t0)
            return journal.path
        }()
        // This reader replayed one record; another hotpatch has written a second since.
        XCTAssertThrowsError(
            try RolloutJournal.reopen(rollout: R.rollout, directory: directory, lastSequence: 1)
        ) {
            XCTAssertEqual($0 as? RolloutJournalError, .changedMeanwhile(path: path, replayed: 1, found: 2))
        }
        XCTAssertEqual(try RolloutJournal.read(path: path).count, 2)
    }
}
