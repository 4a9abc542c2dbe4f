import FleetInventory
import Foundation
import SSH
import XCTest

@testable import Fleet

/// A journal written before waves were typed: its first line records each wave as host names,
/// and it still reads back (waves as the recorded hosts), writes out byte for byte the same, and
/// resumes; a line naming a host that the first line does not list is refused by line number.
final class JournalCompatibilityTests: XCTestCase {
    private var directory = ""

    /// The first five lines of a journal `hotpatch rollout` wrote before this change (waves `1,100%`
    /// over web01-web03, all three on 127.0.0.1 port 1 where nothing listens): wave 1 is done.
    private static let capturedLines = [
        #"{"agentPath":"/work/wt/waves/.build/x86_64-unknown-linux-gnu/debug/hotpatch-agent","event":"started","hosts":[{"address":"127.0.0.1","become":false,"name":"web01","port":1},{"address":"127.0.0.1","become":false,"name":"web02","port":1},{"address":"127.0.0.1","become":false,"name":"web03","port":1}],"inventoryPath":"/tmp/wcap/inv.ini","patch":{"id":"a","path":"/tmp/wcap/fix.hotpatch","sha256":"ee6ef96743da0b38b964c48a098d1dc4cdcc391826b740f463d47044b167a143","targetBuildID":"2d8cbe9f5cdc9f31802e9a37eb6da93c26ffe57f"},"rollout":"20261203T192145Z-a855d7","seq":1,"settings":{"acceptNewHostKeys":false,"checkIntervalSeconds":5,"checkTimeoutSeconds":30,"connectTimeoutSeconds":2,"forks":50,"hostTimeoutSeconds":120,"kind":"rollout","maxFailed":"0","rollbackOnHalt":true,"soakSeconds":0,"unreachableFails":false},"time":"2026-12-03T19:21:45Z","waves":[["web01"],["web02","web03"]]}"#,
        #"{"event":"waveStarted","hosts":["web01"],"rollout":"20261203T192145Z-a855d7","seq":2,"time":"2026-12-03T19:21:45Z","wave":1}"#,
        #"{"confirmedOnResume":false,"event":"applied","host":"web01","outcome":{"mayBeInPlace":false,"message":"web01 (root@127.0.0.1:1): connect: TCP connect to 127.0.0.1:1 failed: Connection refused; next: check that sshd runs on the host and listens on port 1 (ansible_port)","processes":0,"status":"unreachable","targets":[]},"rollout":"20261203T192145Z-a855d7","seq":3,"time":"2026-12-03T19:21:45Z","wave":1}"#,
        #"{"checked":0,"event":"checked","failures":[],"rollout":"20261203T192145Z-a855d7","round":1,"seq":4,"time":"2026-12-03T19:21:45Z","wave":1}"#,
        #"{"event":"waveFinished","rollout":"20261203T192145Z-a855d7","seq":5,"time":"2026-12-03T19:21:45Z","totals":{"alreadyPatched":0,"failed":0,"hosts":3,"noTarget":0,"patched":0,"revertFailed":0,"reverted":0,"unreachable":1},"wave":1}"#,
    ]
    private static let rollout = RolloutID("20261203T192145Z-a855d7")!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "journal-compat-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func writeJournal(_ lines: [String]) throws -> String {
        let path = RolloutJournal.path(for: Self.rollout, in: directory)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testAJournalFromTheEarlierReleaseReadsItsWavesAsTheRecordedHostsAndWritesTheSameLine() throws {
        let records = try RolloutJournal.read(path: try writeJournal(Self.capturedLines))
        guard case .started(let start) = records.first?.event else {
            return XCTFail("no start in \(records)")
        }

        XCTAssertEqual(start.waves.map { $0.map(\.name) }, [["web01"], ["web02", "web03"]])
        XCTAssertEqual(start.waves.flatMap { $0 }, start.hosts, "each wave holds the recorded host itself")
        XCTAssertEqual(start.wave(2).map(\.port), [1, 1])
        XCTAssertEqual(try records[0].jsonLine(), Self.capturedLines[0], "the journal format is unchanged")
    }

    func testAJournalFromTheEarlierReleaseResumesWithTheNextWave() throws {
        let path = try writeJournal(Self.capturedLines)
        let progress = RolloutProgress(replaying: try RolloutJournal.read(path: path))
        let start = try XCTUnwrap(progress.start)
        XCTAssertEqual(progress.nextWave, 2)

        // What `hotpatch resume` runs after its patch-file check: the real SSH connector, which
        // finds nothing listening on port 1 of the recorded wave-2 hosts.
        let journal = try RolloutJournal.reopen(
            rollout: Self.rollout, directory: directory, lastSequence: progress.lastSequence)
        let sink = EventSink(journal: journal, progress: progress, reporters: [])
        try sink.emit(.resumed(RolloutResume(hostsInDoubt: progress.applyInDoubt)))
        let context = RolloutContext(
            connector: SSHHostConnector(settings: start.settings), start: start,
            budget: FailureBudget(
                limit: start.settings.maxFailed, unreachableFails: start.settings.unreachableFails))
        let result = try RolloutEngine(context: context, sink: sink).run()

        XCTAssertEqual(result, RolloutResult.completedWithFailures)
        let resumed = RolloutProgress(replaying: try RolloutJournal.read(path: path))
        XCTAssertEqual(resumed.resumes, 1)
        XCTAssertEqual(resumed.wavesFinished, [1, 2])
        for name in ["web02", "web03"] {
            XCTAssertEqual(resumed.hosts[name]?.apply.outcome?.status, .unreachable, name)
            XCTAssertTrue(resumed.hosts[name]?.apply.outcome?.message?.contains("127.0.0.1:1") == true, name)
        }
    }

    func testAWaveNamingAHostMissingFromTheHostsIsADamagedFirstLine() throws {
        var lines = Self.capturedLines
        lines[0] = lines[0].replacingOccurrences(of: #"["web02","web03"]"#, with: #"["web02","web09"]"#)
        let path = try writeJournal(lines)

        XCTAssertThrowsError(try RolloutJournal.read(path: path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("\(path) line 1 is unreadable"), message)
            XCTAssertTrue(
                message.contains("wave 2 names host web09, which is not among the rollout's hosts"), message)
            XCTAssertTrue(message.hasSuffix("repair or move that line"), message)
        }
    }

    func testAnEventNamingAHostTheStartDoesNotListIsRefusedByLine() throws {
        var lines = Self.capturedLines
        lines[2] = lines[2].replacingOccurrences(of: #""host":"web01""#, with: #""host":"db01""#)
        let path = try writeJournal(lines)

        XCTAssertThrowsError(try RolloutJournal.read(path: path)) { error in
            XCTAssertEqual(
                error as? RolloutJournalError,
                .corrupt(
                    path: path, line: 3,
                    reason: "it names host db01, which is not among the hosts of the journal's first line"))
        }
    }
}
