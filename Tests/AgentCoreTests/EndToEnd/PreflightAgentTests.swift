import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch-agent preflight` on this machine's real processes: targets found by build-id,
/// another build of the same file name named, and CAP_SYS_PTRACE missing (the agent started
/// through `setpriv --bounding-set -sys_ptrace`) reported before anything is attached.
final class PreflightAgentTests: XCTestCase {
    private var work = ""
    private var service: ParityService?
    private var otherBuild: Process?

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard geteuid() == 0 else {
            throw XCTSkip("the preflight tests compare root with and without CAP_SYS_PTRACE")
        }
        work = NSTemporaryDirectory() + "hotpatch-preflight-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: work + "/other", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = try? service?.stop()
        if let otherBuild, otherBuild.isRunning {
            otherBuild.terminate()
            otherBuild.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: work)
        try super.tearDownWithError()
    }

    /// The patch for parity v1, the v1 service, and parity v2 running from a file named parity-v1.
    private func startFleetOfOne() throws -> (patch: String, target: Pid, other: Pid) {
        let build = try ParityBuild.built()
        let patch = try CreateBinary.create(
            id: "preflight-fix", target: build.executable(.v1), object: build.classifierObject(.v2),
            output: work + "/fix.hotpatch")
        let started = try ParityService.start(.executable(.v1), .init(threads: 1))
        service = started
        _ = try started.waitForLine(timeout: .seconds(30))
        let copy = work + "/other/parity-v1"
        try FileManager.default.copyItem(atPath: build.executable(.v2), toPath: copy)
        let other = Process()
        other.executableURL = URL(fileURLWithPath: copy)
        other.arguments = ["--threads", "1"]
        other.standardOutput = FileHandle.nullDevice
        other.standardError = FileHandle.nullDevice
        try other.run()
        otherBuild = other
        // Mapped once its maps name the copy (exec has happened).
        let deadline = Date().addingTimeInterval(30)
        while (try? String(contentsOfFile: "/proc/\(other.processIdentifier)/maps", encoding: .utf8))?
            .contains(copy) != true
        {
            guard Date() < deadline else { throw XCTSkip("the other build never started") }
            usleep(20_000)
        }
        return (patch, started.pid, Pid(other.processIdentifier))
    }

    func testTargetsAreFoundByBuildIDAndAnotherBuildOfTheSameNameIsNamed() throws {
        let (patch, target, other) = try startFleetOfOne()
        let run = try AgentBinary.run(["preflight", patch], stateDirectory: work + "/state")
        let report = try XCTUnwrap(run.report?.preflight, run.output)
        XCTAssertTrue(report.targets.contains { $0.pid == target }, run.output)
        XCTAssertFalse(report.targets.contains { $0.pid == other }, "the copy runs v2: not a target")
        let named = try XCTUnwrap(report.otherBuilds.first { $0.pid == other }, run.output)
        XCTAssertNotEqual(named.buildID, report.targetBuildID)
        XCTAssertTrue(named.module.hasSuffix("/other/parity-v1"))
        XCTAssertTrue(report.ptrace.allowed)
        XCTAssertTrue(report.ptrace.hasSysPtrace)
        XCTAssertEqual(report.architecture, "x86_64")
        XCTAssertTrue(report.signature.accepted || report.problems.contains { $0.hasPrefix("signature:") })
        XCTAssertTrue(report.uploadFolder.allowsExec)
        XCTAssertNotNil(report.uploadFolder.freeBytes)
        // Read-only: the target runs on, never stopped, and holds no patch.
        let status = try AgentBinary.run(["status", "--pid", "\(target)"], stateDirectory: work + "/state")
        XCTAssertEqual(status.report?.processes.first?.patches.count, 0, status.output)
    }

    func testAnAgentWithoutCapSysPtraceSaysSoBeforeAttaching() throws {
        let (patch, target, _) = try startFleetOfOne()
        let result = try Subprocess.run(
            "/usr/bin/setpriv",
            ["--bounding-set", "-sys_ptrace", AgentBinary.path, "preflight", patch, "--json"])
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try XCTUnwrap(
            try? JSONDecoder().decode(AgentReport.self, from: Data(line.utf8)).preflight,
            result.stdout + result.stderr)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertFalse(report.ptrace.hasSysPtrace)
        XCTAssertFalse(report.ptrace.allowed)
        XCTAssertFalse(
            report.targets.contains { $0.pid == target }, "a root process it may not read is hidden")
        XCTAssertTrue(
            report.problems.contains { $0.hasPrefix("ptrace: the agent lacks CAP_SYS_PTRACE") },
            report.problems.joined(separator: "\n"))
    }
}
