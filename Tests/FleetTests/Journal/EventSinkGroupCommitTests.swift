import Foundation
import XCTest

@testable import Fleet

/// The event sink's group commit: many workers emitting at once still get every event on disk
/// before `emit` returns, each reported exactly once, and reporters and progress see the
/// journal's own order.
final class EventSinkGroupCommitTests: XCTestCase {
    typealias R = JournalTestRecords
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "event-sink-tests-" + UUID().uuidString
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testConcurrentEmitsAreAllDurableReportedOnceAndInJournalOrder() throws {
        let journal = try RolloutJournal.create(rollout: R.rollout, directory: directory)
        let path = journal.path
        let reporter = RecordingReporter()
        let sink = EventSink(journal: journal, progress: RolloutProgress(), reporters: [reporter])
        let hosts = (0..<64).map { "host-\($0)" }
        try sink.emit(.started(R.start(waves: [hosts])))
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: hosts.count) { index in
            do {
                try sink.emit(R.intent(hosts[index], wave: 1))
                // Durable before emit returned: the file already holds this host's line.
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                if !text.contains("\"host\":\"\(hosts[index])\"") {
                    errors.add("\(hosts[index]) not on disk")
                }
                try sink.emit(R.patched(hosts[index], wave: 1))
            } catch {
                errors.add("\(error)")
            }
        }
        XCTAssertEqual(errors.all, [])
        let onDisk = try RolloutJournal.read(path: path)
        XCTAssertEqual(onDisk.map(\.sequence), Array(1...(1 + 2 * hosts.count)))
        XCTAssertEqual(reporter.sequences, onDisk.map(\.sequence), "reported once each, in journal order")
        XCTAssertEqual(sink.progress.lastSequence, onDisk.count)
        XCTAssertEqual(sink.progress.applyInDoubt, [])
    }
}

/// Remembers the sequence numbers it was handed.
private final class RecordingReporter: RolloutReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [Int] = []

    func report(_ record: RolloutRecord) { lock.withLock { seen.append(record.sequence) } }

    var sequences: [Int] { lock.withLock { seen } }
}

/// Errors met on worker threads.
private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []

    func add(_ error: String) { lock.withLock { errors.append(error) } }

    var all: [String] { lock.withLock { errors } }
}
