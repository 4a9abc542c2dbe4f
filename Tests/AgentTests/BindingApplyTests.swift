import Foundation
import Shared
import TestSupport
import XCTest

/// What real fixes call, bound in live processes: glibc IFUNCs (strlen, strcmp, memcpy, memset,
/// time, gettimeofday), an IFUNC the target defines, and thread-local variables. Each test builds
/// one of the `Tests/Corpus/cases/bind-*` programs with gcc, makes the patch with the `hotpatch
/// create` binary as a user does (no --function), applies it with `hotpatch-agent` to the running
/// program, sees the new behaviour, reverts, and sees the old one again.
final class BindingApplyTests: XCTestCase {
    func testFixCallingStrlenThatTheTargetNeverImports() throws {
        try runCase("bind-strlen")
    }

    func testFixCallingStrcmpMemcpyAndMemset() throws {
        let create = try runCase("bind-strcmp-memcpy")
        XCTAssertTrue(create.contains("binds: strcmp (IFUNC: what the process resolved, read at apply"), create)
        XCTAssertTrue(create.contains("binds: memset (IFUNC of "), create)
    }

    func testFixCallingTimeAndGettimeofday() throws {
        try runCase("bind-time")
    }

    func testTargetDefinedIFUNCCallsTheChosenImplementationNotTheResolver() throws {
        let create = try runCase("bind-ifunc-target")
        XCTAssertTrue(create.contains("binds: pick (the target's own IFUNC"), create)
    }

    func testUnchangedTLSUserIsLeftOut() throws {
        let create = try runCase("bind-tls-unchanged")
        XCTAssertTrue(create.contains("left out: tick (identical"), create)
    }

    func testChangedTLSUserMovesEachThreadsOwnCounters() throws {
        // steps=6,6,6: each of the three threads saw ITS OWN three counters move by 2.
        try runCase("bind-tls-changed")
    }

    func testNewThreadLocalVariableIsRefusedByCreate() throws {
        try runCase("bind-tls-new-refuse")
    }

    func testIFUNCWithoutAnySlotIsRefusedByCreate() throws {
        try runCase("bind-ifunc-unbound-refuse")
    }

    /// Builds, patches, applies and reverts one case; returns what `create` printed.
    @discardableResult
    private func runCase(_ name: String) throws -> String {
        let spec = try BindCase(name)
        let fixture = try CFixture("bind-\(name)")
        defer { fixture.remove() }
        let program = fixture.path("prog")
        try fixture.gcc(spec.flags + ["-Wl,--build-id"] + (try spec.sources("v1")) + ["-o", program])
        var objects: [String] = []
        for source in try spec.sources("v2") {
            let object = fixture.path(URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent + ".o")
            try fixture.gcc(spec.flags + ["-ffunction-sections", "-fdata-sections", "-fPIC", "-c", source, "-o", object])
            objects += ["--object", object]
        }
        let running = try TargetProgram(program)
        defer { running.stop() }
        XCTAssertNotNil(running.waitForLine { $0 == spec.before }, "\(name): never printed \(spec.before)")
        let patch = fixture.path("fix.hotpatch")
        let create = try Subprocess.run(
            AgentBinary.productsDirectory() + "/hotpatch",
            ["create", "--target", program] + objects + ["-o", patch, "--id", name])
        let created = create.stdout + create.stderr
        if spec.expect == "refuse-create" {
            XCTAssertNotEqual(create.status, 0, created)
            XCTAssertTrue(created.contains(spec.refusal), "\(name): \(created)")
            return created
        }
        XCTAssertEqual(create.status, 0, created)
        let included = created.split(separator: "\n").filter { $0.hasPrefix("included: ") }.map {
            String($0.dropFirst("included: ".count).prefix { $0 != " " })
        }
        XCTAssertEqual(included.sorted(), spec.included, created)
        let state = fixture.path("state")
        let applied = try AgentBinary.run(["apply", patch, "--pid", "\(running.pid)"], stateDirectory: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertNotNil(running.waitForLine { $0 == spec.after }, "\(name): never printed \(spec.after)")
        XCTAssertTrue(running.process.isRunning, "\(name): the patched process died")
        let reverted = try AgentBinary.run(["revert", "--id", name, "--pid", "\(running.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        let afterRevert = running.lines.count
        XCTAssertNotNil(
            running.waitForLine { _ in running.lines.count > afterRevert + 2 && running.lines.last == spec.before },
            "\(name): the old behaviour did not come back")
        XCTAssertTrue(running.process.isRunning, "\(name): the reverted process died")
        return created
    }
}

/// One `Tests/Corpus/cases/bind-*` case as its case.txt describes it.
private struct BindCase {
    let directory: URL
    let fields: [String: String]

    init(_ name: String) throws {
        directory = RepositoryPaths.root.appendingPathComponent("Tests/Corpus/cases/\(name)")
        let text = try String(contentsOf: directory.appendingPathComponent("case.txt"), encoding: .utf8)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.fields = fields
    }

    var flags: [String] {
        (fields["cflags"] ?? "-O2").split(separator: " ").map(String.init) + ["-pthread", "-g0"]
    }
    var before: String { fields["before"] ?? "" }
    var after: String { fields["after"] ?? "" }
    var expect: String { fields["expect"] ?? "apply" }
    var refusal: String { fields["refusal"] ?? "" }
    var included: [String] {
        (fields["included"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.sorted()
    }

    /// The C files of `v1` or `v2`, by path.
    func sources(_ version: String) throws -> [String] {
        let folder = directory.appendingPathComponent(version)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".c") }
            .sorted().map { folder.appendingPathComponent($0).path }
    }
}
