import Foundation
import SourceBuild
import TestSupport
import XCTest

/// Two real builds of a small make project through the compiler wrapper: the scratch trees
/// leave the user's repository alone, every compile is recorded with function sections, LTO is
/// dropped and noticed, and only the objects the fix changed come out.
final class FixBuildTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("source-build") }
    override func tearDown() { fixture.remove() }

    /// A git repository with two files; the fix commit changes `b.c` only.
    private func repository(makefileFlags: String = "-O2") throws -> String {
        try fixture.write("repo/a.c", "int a(int x) { return x + 1; }\n")
        try fixture.write("repo/b.c", "int b(int x) { return x * 2; }\n")
        // The Makefile hard-codes its compiler, as many do: the wrapper is found on PATH.
        try fixture.write(
            "repo/Makefile", "CC = gcc\nall: a.o b.o\n%.o: %.c\n\t$(CC) \(makefileFlags) -c $< -o $@\n")
        try git(["init", "-q"])
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", "parent"])
        try fixture.write("repo/b.c", "int b(int x) { return x * 3; }\n")
        try git(["commit", "-q", "-am", "fix"])
        return fixture.path("repo")
    }

    @discardableResult
    private func git(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run(
            "/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid"] + arguments,
            currentDirectory: fixture.path("repo"))
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    private func build(_ fix: FixSource, in source: String, command: String? = nil) throws -> FixBuild {
        try fixture.write("scratch/.keep", "")
        return try FixBuild.make(
            source: source, fix: fix, command: command, scratch: fixture.path("scratch"), jobs: 2,
            progress: { _ in })
    }

    func testOnlyTheFixedFilesObjectChangesAndTheRepositoryIsUntouched() throws {
        let source = try repository()
        let build = try build(.commit("HEAD"), in: source)
        defer { build.remove() }
        XCTAssertEqual(build.changed.map(\.key), ["src/b.o"])
        XCTAssertEqual(build.changed.map(\.source), ["b.c"])
        XCTAssertEqual(build.trees.changedFiles, ["b.c"])
        XCTAssertFalse(build.sawLTO)
        XCTAssertEqual(
            try git(["status", "--porcelain", "--ignored"]), "", "no file written in the user's tree")
        XCTAssertFalse(FileManager.default.fileExists(atPath: source + "/.git/worktrees"))
        let sections = try Subprocess.run("/usr/bin/readelf", ["-SW", build.changed[0].fixObject]).stdout
        XCTAssertTrue(sections.contains(".text.b"), "compiled with -ffunction-sections:\n\(sections)")
    }

    func testLTOIsDroppedAndNoticed() throws {
        let source = try repository(makefileFlags: "-O2 -flto")
        let build = try build(.commit("HEAD"), in: source)
        defer { build.remove() }
        XCTAssertTrue(build.sawLTO)
        let sections = try Subprocess.run("/usr/bin/readelf", ["-SW", build.changed[0].fixObject]).stdout
        XCTAssertFalse(sections.contains(".gnu.lto"), "no LTO bytecode:\n\(sections)")
    }

    func testADiffIsAppliedToACopyOfTheTree() throws {
        let source = try repository()
        try fixture.write("repo/a.c", "int a(int x) { return x + 2; }\n")
        try fixture.write("fix.diff", try git(["diff"]))
        try git(["checkout", "a.c"])
        let build = try build(.diff(fixture.path("fix.diff")), in: source)
        defer { build.remove() }
        XCTAssertEqual(build.changed.map(\.source), ["a.c"])
        XCTAssertEqual(try git(["status", "--porcelain"]), "")
    }

    func testAFixThatChangesNoObjectIsRefused() throws {
        let source = try repository()
        try fixture.write("repo/README", "docs only\n")
        try git(["add", "README"])
        try git(["commit", "-q", "-m", "docs"])
        XCTAssertThrowsError(try build(.commit("HEAD"), in: source)) { error in
            XCTAssertTrue("\(error)".contains("changed no object"), "\(error)")
        }
    }

    func testABuildCommandReplacesTheDetectedBuild() throws {
        let source = try repository()
        // No Makefile rule writes built-by-hand.o; the user's command does, through the wrapper all the same.
        let build = try build(.commit("HEAD"), in: source, command: "gcc -O2 -c b.c -o built-by-hand.o")
        defer { build.remove() }
        XCTAssertEqual(build.changed.map(\.key), ["src/built-by-hand.o"])
    }

    func testABuildThatCallsItsCompilerByAbsolutePathIsRefusedSayingSo() throws {
        let source = try repository()
        XCTAssertThrowsError(try build(.commit("HEAD"), in: source, command: "/usr/bin/gcc -c b.c")) {
            error in
            XCTAssertTrue("\(error)".contains("calls its compiler by an absolute path"), "\(error)")
        }
    }

    func testAChangedSourceThatNoObjectComesFromIsNoted() throws {
        let source = try repository()
        try fixture.write("repo/tool.c", "int tool(void) { return 1; }\n")
        try git(["add", "tool.c"])
        try git(["commit", "-q", "-m", "a tool the Makefile does not build"])
        try fixture.write("repo/tool.c", "int tool(void) { return 2; }\n")
        try fixture.write("repo/b.c", "int b(int x) { return x * 4; }\n")
        try git(["commit", "-q", "-am", "fix b and the tool"])
        let build = try build(.commit("HEAD"), in: source)
        defer { build.remove() }
        XCTAssertEqual(build.changed.map(\.source), ["b.c"])
        XCTAssertEqual(
            build.notes,
            [
                "tool.c changed, but no object compiled from it changed (not part of this build, or no code change)"
            ])
    }
}
