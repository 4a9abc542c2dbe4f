import Foundation
import Shared
import TestSupport
import XCTest

/// Patched code unwinds like the original: real g++ programs (the `unwind-*` corpus cases), the
/// patch made by the `hotpatch` binary, applied and reverted by the agent in the running process.
/// Without the patch's `.eh_frame` registered, every one of these processes dies with
/// `terminate called after throwing an instance of 'std::invalid_argument'`.
final class UnwindTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("agent-unwind") }
    override func tearDown() { fixture.remove() }

    /// (a) The patched function throws; the unpatched caller catches the new exception.
    func testExceptionThrownByPatchedFunctionIsCaught() throws {
        try runCase("unwind-throw-from-patched")
    }

    /// (b) A callee throws through the patched frame; the destructor in that frame runs.
    func testExceptionFromCalleePassesThroughPatchedFrameAndRunsItsDestructor() throws {
        try runCase("unwind-callee-throws-through")
    }

    /// (c) `backtrace()` from a function the patched one calls reaches the frames above it.
    func testBacktraceWalksThroughPatchedFrame() throws {
        try runCase("unwind-backtrace")
    }

    /// (d) Two stacked patches each register their unwind info and each revert deregisters it;
    /// the process keeps catching exceptions after every step.
    func testStackedPatchesRegisterAndRevertDeregisters() throws {
        let built = try build("unwind-throw-from-patched")
        let program = try TargetProgram(built.program)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "caught=too big" })
        let first = try create(built, objects: built.fixObjects, id: "unwind-1")
        let second = try create(
            built,
            objects: [
                try compile(
                    "third.cpp",
                    """
                    #include <stdexcept>
                    int parse(int value) {
                        if (value > 140) throw std::invalid_argument("third version");
                        return value * 3;
                    }
                    """)
            ], id: "unwind-2")
        let state = fixture.path("state")
        let pid = "\(program.pid)"
        try expect(
            AgentBinary.run(["apply", first, "--pid", pid], stateDirectory: state), registered: ["unwind-1"])
        XCTAssertNotNil(
            program.waitForLine { $0 == "caught=over the limit" }, program.lines.suffix(3).joined())
        try expect(
            AgentBinary.run(["apply", second, "--pid", pid], stateDirectory: state),
            registered: ["unwind-1", "unwind-2"])
        XCTAssertNotNil(
            program.waitForLine { $0 == "caught=third version" }, program.lines.suffix(3).joined())
        try expect(
            AgentBinary.run(["revert", "--id", "unwind-2", "--pid", pid], stateDirectory: state),
            registered: ["unwind-1"])
        XCTAssertNotNil(
            program.waitForLine { $0 == "caught=over the limit" }, program.lines.suffix(3).joined())
        try expect(
            AgentBinary.run(["revert", "--id", "unwind-1", "--pid", pid], stateDirectory: state),
            registered: [])
        XCTAssertNotNil(program.waitForLine { $0 == "caught=too big" }, program.lines.suffix(3).joined())
        let status = try AgentBinary.run(["status", "--pid", pid], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [], status.output)
        Thread.sleep(forTimeInterval: 0.3)  // still catching, long after the memory was freed
        XCTAssertTrue(program.process.isRunning, program.lines.suffix(3).joined())
    }

    /// The agent killed while a borrowed thread runs `__register_frame_info`, before it runs it
    /// and after it returned: the guardian restores the thread's registers, the process keeps
    /// catching exceptions, status says the registration is unknown, and revert asks the unwinder
    /// (`_Unwind_Find_FDE`), deregisters only what it lists and frees the memory; apply then works.
    func testAgentKilledInsideTheRegistrationCallLeavesTheProcessCatching() throws {
        let built = try build("unwind-throw-from-patched")
        let program = try TargetProgram(built.program)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "caught=too big" })
        let patch = try create(built, objects: built.fixObjects, id: "unwind-fault")
        let state = fixture.path("state")
        let pid = "\(program.pid)"
        for failpoint in ["apply.after-call-set-registers", "apply.after-call-returned"] {
            let run = try FaultFixture.run(
                ["apply", patch, "--pid", pid], failpoint: failpoint, state: state)
            XCTAssertEqual(run.status, 128 + SIGKILL, "\(failpoint): the agent died\n\(run.output)")
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && !FaultFixture.agentProcesses().isEmpty {
                Thread.sleep(forTimeInterval: 0.02)
            }
            let seen = program.lines.count
            XCTAssertNotNil(
                program.waitForLine { _ in program.lines.count > seen + 3 },
                "\(failpoint): the program runs on")
            XCTAssertEqual(program.lines.last, "caught=too big", failpoint)
            let status = try AgentBinary.run(["status", "--pid", pid], stateDirectory: state)
            XCTAssertEqual(
                status.report?.processes.first?.patches.first?.unwind,
                "unknown (an agent died while registering)",
                "\(failpoint)\n\(status.output)")
            let reverted = try AgentBinary.run(
                ["revert", "--id", "unwind-fault", "--pid", pid], stateDirectory: state)
            XCTAssertEqual(reverted.status, 0, "\(failpoint)\n\(reverted.output)")
            XCTAssertEqual(reverted.report?.processes.first?.patches, [], "\(failpoint)\n\(reverted.output)")
        }
        try expect(
            AgentBinary.run(["apply", patch, "--pid", pid], stateDirectory: state),
            registered: ["unwind-fault"])
        XCTAssertNotNil(
            program.waitForLine { $0 == "caught=over the limit" }, program.lines.suffix(3).joined())
        try expect(
            AgentBinary.run(["revert", "--id", "unwind-fault", "--pid", pid], stateDirectory: state),
            registered: [])
        XCTAssertNotNil(program.waitForLine { $0 == "caught=too big" }, program.lines.suffix(3).joined())
        XCTAssertTrue(program.process.isRunning)
    }

    /// The same on revert, around `__deregister_frame_info` (after the jumps are gone): the next
    /// revert probes the unwinder, deregisters only if it still lists the table, frees the memory.
    func testAgentKilledInsideTheDeregistrationCallLeavesTheProcessCatching() throws {
        let built = try build("unwind-throw-from-patched")
        let program = try TargetProgram(built.program)
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "caught=too big" })
        let patch = try create(built, objects: built.fixObjects, id: "unwind-fault")
        let state = fixture.path("state")
        let pid = "\(program.pid)"
        for failpoint in ["revert.after-call-set-registers", "revert.after-call-returned"] {
            try expect(
                AgentBinary.run(["apply", patch, "--pid", pid], stateDirectory: state),
                registered: ["unwind-fault"])
            XCTAssertNotNil(program.waitForLine { $0 == "caught=over the limit" }, failpoint)
            let run = try FaultFixture.run(
                ["revert", "--id", "unwind-fault", "--pid", pid], failpoint: failpoint, state: state)
            XCTAssertEqual(run.status, 128 + SIGKILL, "\(failpoint): the agent died\n\(run.output)")
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && !FaultFixture.agentProcesses().isEmpty {
                Thread.sleep(forTimeInterval: 0.02)
            }
            XCTAssertNotNil(
                program.waitForLine { $0 == "caught=too big" }, "\(failpoint): old code, catching")
            let status = try AgentBinary.run(["status", "--pid", pid], stateDirectory: state)
            XCTAssertEqual(
                status.report?.processes.first?.patches.first?.unwind,
                "unknown (an agent died while deregistering)", "\(failpoint)\n\(status.output)")
            let reverted = try AgentBinary.run(
                ["revert", "--id", "unwind-fault", "--pid", pid], stateDirectory: state)
            XCTAssertEqual(reverted.status, 0, "\(failpoint)\n\(reverted.output)")
            XCTAssertEqual(reverted.report?.processes.first?.patches, [], "\(failpoint)\n\(reverted.output)")
            let seen = program.lines.count
            XCTAssertNotNil(program.waitForLine { _ in program.lines.count > seen + 3 }, failpoint)
            XCTAssertEqual(program.lines.last, "caught=too big", failpoint)
        }
        XCTAssertTrue(program.process.isRunning)
    }

    /// A C program has no libgcc_s: the patch applies, and the report says its unwind info was
    /// not registered and why.
    func testProcessWithoutLibgccSaysNotRegistered() throws {
        // `spare` after compute: a 4-byte compute last in .text is followed by _fini, which the
        // 5-byte entry jump would overwrite (the agent refuses that); NOP padding follows it here.
        let computeSource = try fixture.write(
            "compute.c", "int compute(int v) { return v * 2; }\nint spare(int v) { return v; }\n")
        let program = try fixture.link(
            "plain",
            """
            #include <stdio.h>
            #include <unistd.h>
            int compute(int v);
            int main(void) {
                setvbuf(stdout, NULL, _IOLBF, 0);
                for (;;) { printf("compute=%d\\n", compute(20)); usleep(10000); }
            }
            """, flags: ["-O2", "-g0", "-Wl,--build-id", computeSource])
        let fix = try fixture.object("fix", "int compute(int v) { return v * 2 + 1; }")
        let patch = fixture.path("plain.hotpatch")
        let made = try Subprocess.run(
            hotpatch, ["create", "--target", program, "--object", fix, "-o", patch])
        XCTAssertEqual(made.status, 0, made.stdout + made.stderr)
        let running = try TargetProgram(program)
        defer { running.stop() }
        XCTAssertNotNil(running.waitForLine { $0 == "compute=40" })
        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(running.pid)"], stateDirectory: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(
            applied.report?.processes.first?.patches.first?.unwind,
            "not registered (no libgcc_s in the process)",
            applied.output)
        XCTAssertNotNil(running.waitForLine { $0 == "compute=41" })
    }

    // MARK: the case, as the corpus runs it

    private struct Built {
        let directory: String
        let program: String
        let fixObjects: [String]
        let fields: [String: String]
    }

    private var hotpatch: String { BuiltProducts.hotpatch }

    /// Builds a corpus case, runs it, checks `before`, patches, checks `after`, reverts, checks
    /// `before` again; the process must be alive at each step and the unwind info registered.
    private func runCase(_ name: String) throws {
        let built = try build(name)
        let program = try TargetProgram(built.program)
        defer { program.stop() }
        let before = built.fields["before"]!, after = built.fields["after"]!
        XCTAssertNotNil(program.waitForLine { $0 == before }, program.lines.suffix(3).joined())
        let patch = try create(built, objects: built.fixObjects, id: name)
        let state = fixture.path("state")
        let pid = "\(program.pid)"
        try expect(
            AgentBinary.run(["apply", patch, "--pid", pid], stateDirectory: state), registered: [name])
        XCTAssertNotNil(program.waitForLine { $0 == after }, program.lines.suffix(3).joined())
        XCTAssertTrue(program.process.isRunning)
        try expect(
            AgentBinary.run(["revert", "--id", name, "--pid", pid], stateDirectory: state), registered: [])
        XCTAssertNotNil(program.waitForLine { $0 == before }, program.lines.suffix(3).joined())
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(program.process.isRunning, program.lines.suffix(3).joined())
    }

    /// The agent succeeded and exactly `ids` are in the process, each with its unwind info registered.
    private func expect(_ run: AgentBinary.Run, registered ids: [String]) throws {
        XCTAssertEqual(run.status, 0, run.output)
        let patches = run.report?.processes.first?.patches ?? []
        XCTAssertEqual(patches.map(\.id), ids, run.output)
        XCTAssertEqual(patches.map(\.unwind), ids.map { _ in "registered" }, run.output)
    }

    private func build(_ name: String) throws -> Built {
        let directory = RepositoryPaths.path("Tests/Corpus/cases/" + name)
        var fields: [String: String] = [:]
        for line in try String(contentsOfFile: directory + "/case.txt", encoding: .utf8).split(
            separator: "\n")
        {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let sources = try FileManager.default.contentsOfDirectory(atPath: directory + "/v1").sorted()
        let program = fixture.path(name)
        try gxx(
            cflags(fields) + ["-Wl,--build-id"] + sources.map { directory + "/v1/" + $0 } + ["-o", program])
        let fixes = try FileManager.default.contentsOfDirectory(atPath: directory + "/v2").sorted()
        let objects = try fixes.map { file in
            try compile(file, try String(contentsOfFile: directory + "/v2/" + file, encoding: .utf8), fields)
        }
        return Built(directory: directory, program: program, fixObjects: objects, fields: fields)
    }

    private func cflags(_ fields: [String: String]) -> [String] {
        (fields["cflags"] ?? "-O2").split(separator: " ").map(String.init) + ["-pthread", "-g0"]
    }

    /// Compiles one fixed file the way the corpus does.
    private func compile(_ file: String, _ source: String, _ fields: [String: String] = [:]) throws -> String
    {
        let path = try fixture.write("fix-" + file, source)
        let object = path + ".o"
        try gxx(
            cflags(fields) + ["-fPIE", "-ffunction-sections", "-fdata-sections", "-c", path, "-o", object])
        return object
    }

    private func create(_ built: Built, objects: [String], id: String) throws -> String {
        let output = fixture.path(id + ".hotpatch")
        let result = try Subprocess.run(
            hotpatch,
            ["create", "--target", built.program] + objects.flatMap { ["--object", $0] } + [
                "--id", id, "-o", output,
            ])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        return output
    }

    private func gxx(_ arguments: [String]) throws {
        let result = try Subprocess.run("/usr/bin/g++", arguments)
        guard result.status == 0 else {
            throw CompileError(
                description: "g++ \(arguments.joined(separator: " ")) failed:\n\(result.stderr)")
        }
    }
}

/// g++ failed; the message holds its output.
private struct CompileError: Error, CustomStringConvertible {
    let description: String
}
