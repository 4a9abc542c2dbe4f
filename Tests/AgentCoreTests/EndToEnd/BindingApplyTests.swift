import Foundation
import Shared
import TestSupport
import XCTest

/// What real fixes call, bound in live processes: glibc IFUNCs (strlen, strcmp, memcpy, memset,
/// time, gettimeofday), an IFUNC the target defines, and thread-local variables. Each test builds
/// one of the `Tests/Corpus/cases/bind-*` programs with gcc as the corpus runner does (v2 `-fPIE`
/// plus the case's cflags), makes the patch with the `hotpatch create` binary as a user does (no --function), applies it with `hotpatch-agent` to the running
/// program, sees the new behaviour, reverts, and sees the old one again.
final class BindingApplyTests: XCTestCase {
    func testFixCallingStrlenThatTheTargetNeverImports() throws {
        try runCase("bind-strlen")
    }

    func testFixCallingStrcmpMemcpyAndMemset() throws {
        let create = try runCase("bind-strcmp-memcpy")
        XCTAssertTrue(
            create.contains("binds: strcmp (IFUNC: what the process resolved, read at apply"), create)
        XCTAssertTrue(create.contains("binds: memset (IFUNC of "), create)
    }

    func testIFUNCWhoseLazySlotTheTargetNeverResolved() throws {
        try runCase("bind-lazy-jump-slot")
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

    func testUnchangedTLSUserIsLeftOutInPIE() throws {
        let create = try runCase("bind-tls-pie-unchanged")
        XCTAssertTrue(create.contains("left out: tick (identical"), create)
    }

    func testChangedTLSUserMovesEachThreadsOwnCountersInPIE() throws {
        try runCase("bind-tls-pie-changed")
    }

    /// A variable of a shared library, reached with initial exec through the target's own TPOFF64
    /// slot: -fPIE objects use IE directly, -fPIC ones use GD, which create relaxes to IE as ld did.
    func testChangedUserOfALibrarysThreadLocalVariable() throws {
        for cflags in ["-O2", "-O2 -fPIC"] {
            let fixture = try CFixture("bind-tls-library")
            defer { fixture.remove() }
            try fixture.write("lib/ticks.c", "__thread long lib_ticks;\n")
            try fixture.gcc(["-O2", "-fPIC", "-shared", "lib/ticks.c", "-o", "libticks.so"])
            let step = "__attribute__((noipa)) void step(void) { lib_ticks += STEP; }"
            for (version, amount) in [("v1", "1"), ("v2", "2")] {
                try fixture.write(
                    "case/\(version)/prog.c",
                    Self.threeWorkers(
                        "extern __thread long lib_ticks;\n" + step.replacingOccurrences(of: "STEP", with: amount),
                        each: "long before = lib_ticks;\nstep();\nobserved[index] = lib_ticks - before;"))
            }
            try fixture.write(
                "case/case.txt",
                "lang: c\ncflags: \(cflags)\nincluded: step\nbefore: steps=1,1,1\nafter: steps=2,2,2\n")
            try runCase(
                at: URL(fileURLWithPath: fixture.path("case")),
                link: ["-L", fixture.path(""), "-lticks", "-Wl,-rpath," + fixture.path("")])
        }
    }

    /// A shared-library target whose fixed function calls IFUNCs: strcmp through the library's own
    /// GOT slot (read at apply, plus the library's load bias), strlen through libc's IRELATIVE slot.
    func testFixInASharedLibraryCallingIFUNCs() throws {
        let v1 = """
            #include <string.h>
            char word[32] = "hotpatch";
            long compute(void) { return strcmp(word, "hotfix") > 0; }
            """
        let v2 = v1.replacingOccurrences(
            of: "return strcmp(word, \"hotfix\") > 0;",
            with: "return 10 * (long)strlen(word) + (strcmp(word, \"hotfix\") > 0);")
        let created = try runLibraryCase(
            "measure", v1: v1, v2: v2, id: "library-ifunc",
            program: Self.threeWorkers("long compute(void);", each: "observed[index] = compute();"),
            before: "steps=1,1,1", after: "steps=81,81,81")
        XCTAssertTrue(created.contains("binds: strcmp (IFUNC: what the process resolved"), created)
    }

    /// A shared-library target's changed function using its TLS: general dynamic (a global) and
    /// local dynamic (statics) bound to the library's own GOT pairs; the unchanged reader compares
    /// equal; each thread sees its own counters move by the new step.
    func testFixInASharedLibraryUsingItsThreadLocals() throws {
        let v1 = """
            __thread long ticks;
            static __thread long first, second;
            __attribute__((noipa)) void step(void) { ticks += 1; first += 1; second += 1; }
            __attribute__((noipa)) long total(void) { return ticks + first + second; }
            """
        let created = try runLibraryCase(
            "counters", v1: v1, v2: v1.replacingOccurrences(of: "+= 1", with: "+= 2"), id: "library-tls",
            program: Self.threeWorkers(
                "void step(void);\nlong total(void);",
                each: "long before = total();\nstep();\nobserved[index] = total() - before;"),
            programFlags: ["-pthread"], before: "steps=3,3,3", after: "steps=6,6,6")
        XCTAssertTrue(created.contains("included: step"), created)
        XCTAssertTrue(created.contains("left out: total"), created)
    }

    /// Builds `lib<library>.so` from `v1` and the fixed object from `v2`, links `program` against
    /// the library, runs it until it prints `before`, makes patch `id` with `hotpatch create`,
    /// applies it (the program then prints `after`) and reverts it; returns what create printed.
    private func runLibraryCase(
        _ library: String, v1: String, v2: String, id: String, program: String, programFlags: [String] = [],
        before: String, after: String
    ) throws -> String {
        let fixture = try CFixture("bind-library-\(library)")
        defer { fixture.remove() }
        try fixture.write("v1/\(library).c", v1)
        try fixture.write("v2/\(library).c", v2)
        try fixture.gcc(["-O2", "-fPIC", "-shared", "-Wl,--build-id", "v1/\(library).c", "-o", "lib\(library).so"])
        try fixture.gcc(Fixtures.objectFlags + ["-c", "v2/\(library).c", "-o", "\(library).o"])
        try fixture.write("main.c", program)
        try fixture.gcc(
            ["-O2"] + programFlags + ["main.c", "-L.", "-l\(library)", "-Wl,-rpath," + fixture.path(""), "-o", "prog"])
        let running = try TargetProgram(fixture.path("prog"))
        defer { running.stop() }
        XCTAssertNotNil(running.waitForLine { $0 == before }, "the library's old code")
        let patch = try CreateBinary.createPrinting(
            id: id, target: fixture.path("lib\(library).so"), object: fixture.path("\(library).o"),
            output: fixture.path("fix.hotpatch"))
        let state = fixture.path("state")
        let applied = try AgentBinary.run(["apply", patch.path, "--pid", "\(running.pid)"], stateDirectory: state)
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertNotNil(running.waitForLine { $0 == after }, "the library's fixed code")
        let reverted = try AgentBinary.run(["revert", "--id", id, "--pid", "\(running.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertTrue(running.process.isRunning)
        return patch.printed
    }

    /// A program of three threads, each running `each` (which stores into `observed[index]`)
    /// every 200 µs, that prints `steps=A,B,C` every 10 ms; `declarations` come first.
    private static func threeWorkers(_ declarations: String, each: String) -> String {
        """
        #include <pthread.h>
        #include <stdio.h>
        #include <unistd.h>
        \(declarations)
        static volatile long observed[3];
        static void *worker(void *arg) {
            long index = (long)arg;
            for (;;) {
                \(each)
                usleep(200);
            }
            return NULL;
        }
        int main(void) {
            setvbuf(stdout, NULL, _IOLBF, 0);
            pthread_t threads[3];
            for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
            for (;;) {
                printf("steps=%ld,%ld,%ld\\n", observed[0], observed[1], observed[2]);
                usleep(10000);
            }
        }
        """
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
        try runCase(at: RepositoryPaths.root.appendingPathComponent("Tests/Corpus/cases/\(name)"))
    }

    /// Like ``runCase(_:)`` for a case directory anywhere, linking the program with `link` too.
    @discardableResult
    private func runCase(at directory: URL, link: [String] = []) throws -> String {
        let spec = try BindCase(directory)
        let name = directory.lastPathComponent
        let fixture = try CFixture("bind-\(name)")
        defer { fixture.remove() }
        let program = fixture.path("prog")
        try fixture.gcc(spec.flags + ["-Wl,--build-id"] + (try spec.sources("v1")) + link + ["-o", program])
        var objects: [String] = []
        for source in try spec.sources("v2") {
            let object = fixture.path(
                URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent + ".o")
            // The target's own code model (-fPIE, gcc's default here) unless the case builds both PIC.
            try fixture.gcc(
                ["-fPIE"] + spec.flags + [
                    "-ffunction-sections", "-fdata-sections", "-c", source, "-o", object,
                ])
            objects += ["--object", object]
        }
        let running = try TargetProgram(program)
        defer { running.stop() }
        XCTAssertNotNil(running.waitForLine { $0 == spec.before }, "\(name): never printed \(spec.before)")
        let patch = fixture.path("fix.hotpatch")
        let create = try Subprocess.run(
            BuiltProducts.hotpatch,
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
        let reverted = try AgentBinary.run(
            ["revert", "--id", name, "--pid", "\(running.pid)"], stateDirectory: state)
        XCTAssertEqual(reverted.status, 0, reverted.output)
        let afterRevert = running.lines.count
        XCTAssertNotNil(
            running.waitForLine { _ in
                running.lines.count > afterRevert + 2 && running.lines.last == spec.before
            },
            "\(name): the old behaviour did not come back")
        XCTAssertTrue(running.process.isRunning, "\(name): the reverted process died")
        return created
    }
}

/// One `Tests/Corpus/cases/bind-*` case as its case.txt describes it.
private struct BindCase {
    let directory: URL
    let fields: [String: String]

    init(_ directory: URL) throws {
        self.directory = directory
        let text = try String(contentsOf: directory.appendingPathComponent("case.txt"), encoding: .utf8)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
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
        (fields["included"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .sorted()
    }

    /// The C files of `v1` or `v2`, by path.
    func sources(_ version: String) throws -> [String] {
        let folder = directory.appendingPathComponent(version)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".c") }
            .sorted().map { folder.appendingPathComponent($0).path }
    }
}
