import Foundation
import Shared
import XCTest

@testable import Fleet

/// The coordinator's pure decisions about `--persist`: how an apply or revert report with files
/// becomes an outcome, which build a file on disk is, and which fixed builds are refused locally.
final class PersistVerdictTests: XCTestCase {
    private let old = "aa11", fixed = "bb22", other = "cc33"

    private func file(_ action: DiskFileAction, build: String?, message: String? = nil) -> DiskFileReport {
        DiskFileReport(
            path: "/srv/parity", action: action, buildID: build, installedBuildID: fixed,
            replacedBuildID: old,
            patchID: "parity-fix", backup: "/srv/parity.hotpatch-backup.parity-fix", message: message)
    }

    private func report(
        _ code: AgentExitCode, _ outcomes: [ProcessOutcome], files: [DiskFileReport]?, message: String? = nil
    )
        -> AgentReport
    {
        AgentReport(
            agentVersion: "0.1", host: "h", command: "apply", patchID: "parity-fix", exitCode: code,
            message: message,
            processes: outcomes.enumerated().map {
                ProcessReport(
                    pid: Pid(Int32($0.offset + 1)), startTime: 5, executable: "/srv/parity",
                    outcome: $0.element)
            }, files: files)
    }

    func testApplyWithFilesBecomesOutcomes() {
        let refused = file(.refused, build: other, message: "neither")
        let cases: [(String, AgentReport, ApplyStatus, installed: Bool, diskProblem: Bool)] = [
            (
                "installed", report(.success, [.applied], files: [file(.installed, build: fixed)]), .patched,
                true, false
            ),
            (
                "already installed",
                report(.success, [.alreadyApplied], files: [file(.alreadyInstalled, build: fixed)]),
                .alreadyPatched, false, false
            ),
            // A refusal on disk leaves the live patch: patched, with the disk's message.
            (
                "refused, live patch done",
                report(.targetMismatch, [.applied], files: [refused], message: "neither"), .patched, false,
                true
            ),
            // A process that failed: the host failed, whatever the disk says.
            (
                "process failed",
                report(.partial, [.applied, .failed], files: [file(.installed, build: fixed)]),
                .failed, true, false
            ),
            ("no persist", report(.success, [.applied], files: nil), .patched, false, false),
        ]
        for (name, report, status, installed, diskProblem) in cases {
            let outcome = AgentVerdict.apply(report)
            XCTAssertEqual(outcome.status, status, name)
            XCTAssertEqual(outcome.installedFiles, installed, name)
            XCTAssertEqual(outcome.diskProblem, diskProblem, name)
            XCTAssertEqual(outcome.files, report.files, name)
        }
        XCTAssertEqual(
            AgentVerdict.apply(report(.targetMismatch, [.applied], files: [refused], message: "neither"))
                .message,
            "fixed build not installed: neither")
    }

    func testRevertThatOnlyRestoredAFileCountsAsReverted() {
        let restoredOnly = report(.success, [], files: [file(.restored, build: old)])
        XCTAssertEqual(AgentVerdict.revert(restoredOnly).status, .reverted)
        XCTAssertEqual(AgentVerdict.revert(restoredOnly).files?.map(\.action), [.restored])
        XCTAssertEqual(AgentVerdict.revert(report(.noTarget, [], files: nil)).status, .notInPlace)
    }

    func testWhichBuildIsOnDisk() {
        let cases: [(String, DiskFileReport, String?, DiskLines.Kind)] = [
            ("fixed, from the record", file(.inspected, build: fixed), nil, .fixedBuild),
            ("old, from the record", file(.inspected, build: old), nil, .oldBuild),
            (
                "old, from the patch", DiskFileReport(path: "/srv/parity", action: .inspected, buildID: old),
                old,
                .oldBuild
            ),
            ("a third build", file(.inspected, build: other), old, .neither),
            (
                "no record, no patch", DiskFileReport(path: "/p", action: .inspected, buildID: other), nil,
                .neither
            ),
            ("missing", DiskFileReport(path: "/p", action: .inspected, message: "ENOENT"), old, .unreadable),
        ]
        for (name, file, oldBuildID, kind) in cases {
            XCTAssertEqual(DiskLines.kind(file, oldBuildID: oldBuildID), kind, name)
        }
        XCTAssertEqual(
            DiskLines.cell([file(.inspected, build: fixed)], oldBuildID: nil), "fixed build bb22 (parity)")
        XCTAssertEqual(
            DiskLines.cell(
                [DiskFileReport(path: "/p", action: .inspected, message: "ENOENT")], oldBuildID: old),
            "unreadable, no build-id (p)")
    }

    func testAFixedBuildThatCannotBeOneIsRefusedBeforeAnyHost() throws {
        let build = FileManager.default.currentDirectoryPath + "/examples/parity/build"
        guard FileManager.default.fileExists(atPath: build + "/parity-v2") else {
            throw XCTSkip("examples/parity is not built (make -C examples/parity)")
        }
        let v1 = try XCTUnwrap(
            try ELFFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: build + "/parity-v1"))))
                .buildID())
        let patch = PatchRecord(path: "/p.hotpatch", id: PatchID("parity-fix")!, sha256: "00", targetBuildID: v1.hex)
        let hint = build + "/parity-v1"
        let refusals: [(String, String)] = [
            (build + "/parity-v1", "the build the patch targets"),
            (build + "/classify_v2.o", "not an executable or shared library"),
            (build + "/../parity.c", "is not an ELF"),
            (build + "/missing", "cannot read it"),
        ]
        for (path, expected) in refusals {
            XCTAssertThrowsError(try FixedBuild.check(path, patch: patch, targetPathHint: hint), path) {
                XCTAssertTrue("\($0)".contains(expected), "\(path): \($0)")
            }
        }
        let exe = try FixedBuild.check(build + "/parity-v2", patch: patch, targetPathHint: hint)
        XCTAssertNotEqual(exe.record.buildID, v1.hex)
        XCTAssertNotNil(exe.warning, "parity-v2 is not named parity-v1")
        // A library with the target's SONAME is fine under another file name.
        let library = try FixedBuild.check(
            build + "/libparity-v2.so", patch: patch, targetPathHint: build + "/libparity-v1.so")
        XCTAssertNil(library.warning)
    }

    /// The journal keeps the fixed build (resume pushes the same bytes) and the file entries, and
    /// a host whose disk got the fixed build is one a rollback must visit even when its patch was
    /// already in place.
    func testTheJournalKeepsWhatWasPersistedAndRollbackKnowsTheHost() throws {
        typealias R = JournalTestRecords
        var start = R.start()
        start.fixedBuild = FixedBuildRecord(path: "/build/parity-v2", sha256: "ab", buildID: fixed)
        let installed = ApplyOutcome(
            status: .alreadyPatched, processes: 1, targets: [R.one], files: [file(.installed, build: fixed)])
        let events: [RolloutEvent] = [
            .started(start), .applied(HostApplied(host: "b", wave: 2, outcome: installed)),
        ]
        let records = events.enumerated().map {
            RolloutRecord(rollout: R.rollout, sequence: $0.offset + 1, time: R.t0, event: $0.element)
        }
        let lines = try records.map { try $0.jsonLine() }
        let decoded = try lines.map {
            try RolloutRecord.makeDecoder().decode(RolloutRecord.self, from: Data($0.utf8))
        }
        XCTAssertEqual(decoded, records)
        let progress = RolloutProgress(replaying: decoded)
        XCTAssertEqual(progress.start?.fixedBuild?.buildID, fixed)
        XCTAssertEqual(progress.hostsToRevert, ["b"], "its disk has the fixed build")
        // A journal written before --persist existed reads back without it.
        let older = try RolloutRecord.makeDecoder().decode(
            RolloutRecord.self,
            from: Data(
                try RolloutRecord(
                    rollout: R.rollout, sequence: 1, time: R.t0, event: .started(R.start())
                ).jsonLine().utf8))
        if case .started(let start) = older.event { XCTAssertNil(start.fixedBuild) } else { XCTFail() }
    }
}
