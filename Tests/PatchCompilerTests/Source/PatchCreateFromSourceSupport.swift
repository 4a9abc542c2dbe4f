import Foundation
import TestSupport
import XCTest

/// A git repository a `--source` test makes from one of the examples: the example as shipped is
/// the parent commit, the test's change to it the fix commit. `deploy` builds the parent in a
/// separate clone, as the build a user runs, so the repository itself stays untouched.
struct SourceRepository {
    /// The repository's top.
    let directory: String

    /// A repository holding a copy of `examples/NAME` (without its build products) as one commit.
    static func make(example: String, in fixture: CFixture) throws -> SourceRepository {
        let repository = SourceRepository(directory: fixture.path("repo"))
        try run("/bin/cp", ["-r", RepositoryPaths.path("examples/\(example)"), repository.directory])
        try? FileManager.default.removeItem(atPath: repository.directory + "/build")
        try repository.git(["init", "-q"])
        try repository.commitAll("the example as shipped")
        return repository
    }

    /// A repository holding `files` (name → text) as one commit.
    static func make(files: [String: String], in fixture: CFixture) throws -> SourceRepository {
        let repository = SourceRepository(directory: fixture.path("repo"))
        for (name, text) in files { try fixture.write("repo/" + name, text) }
        try repository.git(["init", "-q"])
        try repository.commitAll("the project as deployed")
        return repository
    }

    /// Commits every change in the tree.
    func commitAll(_ message: String) throws {
        try git(["add", "-A"])
        try git([
            "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", message,
        ])
    }

    /// Replaces `text` by `replacement` in `file` (a path in the tree).
    func edit(_ file: String, replacing text: String, with replacement: String) throws {
        let path = directory + "/" + file
        let old = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(old.contains(text), "\(file) has no \(text)")
        try old.replacingOccurrences(of: text, with: replacement).write(
            toFile: path, atomically: true, encoding: .utf8)
    }

    /// A clone at `revision` in `directory`, built with `commands` (each run in the clone): the deployed build.
    func deploy(_ revision: String, into clone: String, building commands: [[String]]) throws {
        try Self.run("/usr/bin/git", ["clone", "-q", directory, clone])
        try Self.run(
            "/usr/bin/git", ["-c", "advice.detachedHead=false", "checkout", "-q", revision], in: clone)
        for command in commands { try Self.run(command[0], Array(command.dropFirst()), in: clone) }
    }

    /// `git ARGS` in the repository; its stdout.
    @discardableResult
    func git(_ arguments: [String]) throws -> String {
        try Self.run("/usr/bin/git", arguments, in: directory)
    }

    @discardableResult
    static func run(_ program: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let result = try Subprocess.run(program, arguments, currentDirectory: directory)
        guard result.status == 0 else {
            throw SourceRepositoryError(
                description: "\(program) \(arguments.joined(separator: " ")) exited \(result.status):\n"
                    + result.stdout + result.stderr)
        }
        return result.stdout
    }
}

/// A program a test starts from a deployed build, stdout to a file; killed by `stop()`.
final class DeployedProgram: @unchecked Sendable {
    // @unchecked: immutable after init; one test drives it.
    let pid: pid_t
    let stdoutPath: String

    init(_ executable: String, _ arguments: [String] = [], in work: String) throws {
        stdoutPath = work + "/program.out"
        pid = try Subprocess.spawn(
            executable, arguments, stdout: stdoutPath, stderr: work + "/program.err", currentDirectory: work)
    }

    deinit { stop() }

    /// Kills the program and reaps it.
    func stop() {
        guard kill(pid, SIGKILL) == 0 else { return }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The bytes printed so far: a mark to look for lines printed after it.
    var mark: Int { (try? FileManager.default.attributesOfItem(atPath: stdoutPath)[.size] as? Int) ?? 0 }

    /// Waits until `line` is printed after `mark`; false when it is not within `timeout`.
    func waitForLine(_ line: String, after mark: Int = 0, timeout: Duration = .seconds(20)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
            if text.utf8.dropFirst(mark).split(separator: UInt8(ascii: "\n")).contains(where: {
                String(decoding: $0, as: UTF8.self) == line
            }) {
                return true
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}

/// `hotpatch create` and `hotpatch-agent apply` as a user runs them.
enum SourcePatch {
    /// `hotpatch create ARGUMENTS`.
    static func create(_ arguments: [String]) throws -> ProgramResult {
        try Subprocess.run(BuiltProducts.hotpatch, ["create"] + arguments)
    }

    /// `hotpatch create --target TARGET --source REPOSITORY --commit HEAD -o FIXTURE/fix.hotpatch`,
    /// checked to succeed, to include `function`, to say it built with `recipe` (the start of the
    /// progress line's build summary) and to leave the repository untouched; the patch's path.
    static func createFromHeadCommit(
        target: String, repository: SourceRepository, in fixture: CFixture, including function: String,
        building recipe: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let patch = fixture.path("fix.hotpatch")
        let created = try create([
            "--target", target, "--source", repository.directory, "--commit", "HEAD", "-o", patch,
        ])
        XCTAssertEqual(created.status, 0, created.stdout + created.stderr, file: file, line: line)
        XCTAssertTrue(
            created.stdout.contains("included: " + function), created.stdout, file: file, line: line)
        XCTAssertTrue(created.stderr.contains("(" + recipe), created.stderr, file: file, line: line)
        XCTAssertEqual(
            try repository.git(["status", "--porcelain"]), "", "the user's tree is untouched", file: file,
            line: line)
        return patch
    }

    /// `hotpatch-agent apply PATCH --pid PID` with a private state directory.
    static func apply(_ patch: String, pid: pid_t, state: String) throws -> ProgramResult {
        try Subprocess.run(
            BuiltProducts.agent,
            ["apply", patch, "--pid", "\(pid)", "--max-pause", "2s", "--state-dir", state])
    }
}

/// A fixture step (git, make, cmake) failed: the command and its output.
struct SourceRepositoryError: Error, CustomStringConvertible {
    let description: String
}
