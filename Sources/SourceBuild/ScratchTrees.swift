import Foundation

/// The two source trees a patch is built from, made in a scratch directory so the user's tree
/// is never touched: not its files, not its `.git` (no worktree is registered there). The fix
/// tree is the parent's tree with the fix's diff applied (for `--commit`, a clone at the
/// parent with the commit's diff), so both builds see the same git state.
///
/// Layout: `ROOT/parent/src` and `ROOT/fix/src`; out-of-tree builds go to `ROOT/SIDE/build`.
public struct ScratchTrees: Sendable {
    /// The scratch directory holding both sides.
    public let root: String
    /// The source as it runs (the commit's parent, or the tree before the diff).
    public let parent: String
    /// The source with the fix.
    public let fix: String
    /// Files the fix changes, relative to the tree's top.
    public let changedFiles: [String]
    /// What the parent is, for people: `5f366cc^`, or `the tree as it is`.
    public let parentLabel: String
    /// What the fix is, for people: `5f366cc`, or `fix.diff`.
    public let fixLabel: String

    /// Makes both trees for `fix` of the tree at `source`, in a new directory under `directory`.
    public static func make(source: String, fix: FixSource, under directory: String) throws -> ScratchTrees {
        let source = URL(fileURLWithPath: source).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: source) else {
            throw SourceBuildError("--source \(source): no such directory")
        }
        let root = try makeScratchDirectory(under: directory)
        do {
            return try make(source: source, fix: fix, in: root)
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
    }

    private static func make(source: String, fix: FixSource, in root: String) throws -> ScratchTrees {
        let parent = root + "/parent/src"
        let fixed = root + "/fix/src"
        let diff: String
        let labels: (parent: String, fix: String)
        switch fix {
        case .commit(let revision):
            // Both trees are the parent's commit; the fix is its diff applied to one of them, so
            // what a build derives from git (memcached's VERSION from `git describe`) is the
            // running build's on both sides and only the fix's code differs.
            let commit = try resolve(revision, in: source)
            for tree in [parent, fixed] { try checkout(source, at: commit + "^", into: tree) }
            diff = root + "/fix.diff"
            _ = try Command.git(["diff", "--binary", "--output=" + diff, commit + "^", commit], in: source)
            labels = (String(commit.prefix(9)) + "^", String(commit.prefix(9)))
        case .diff(let file):
            diff = URL(fileURLWithPath: file).standardizedFileURL.path
            for tree in [parent, fixed] { try copyTree(source, to: tree) }
            labels = ("the tree as it is", (diff as NSString).lastPathComponent)
        }
        let numstat = try Command.git(["apply", "--numstat", diff], in: fixed)
        _ = try Command.git(["apply", "--whitespace=nowarn", diff], in: fixed)
        return ScratchTrees(
            root: root, parent: parent, fix: fixed,
            changedFiles: lines(numstat).compactMap { $0.split(separator: "\t").last.map(String.init) },
            parentLabel: labels.parent, fixLabel: labels.fix)
    }

    /// Removes the scratch directory.
    public func remove() { try? FileManager.default.removeItem(atPath: root) }

    private static func makeScratchDirectory(under directory: String) throws -> String {
        var template = Array((directory + "/hotpatch-source-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SourceBuildError(
                "cannot make a scratch directory under \(directory): \(String(cString: strerror(errno))); "
                    + "set TMPDIR to a writable directory with room for two builds")
        }
        return String(cString: made)
    }

    /// The full hash of `revision`, checked to be a commit with a parent.
    private static func resolve(_ revision: String, in source: String) throws -> String {
        guard (try? Command.git(["rev-parse", "--git-dir"], in: source)) != nil else {
            throw SourceBuildError(
                "--commit \(revision): \(source) is not a git repository (use --diff FILE)")
        }
        guard
            let commit = try? Command.git(
                ["rev-parse", "--verify", "--quiet", revision + "^{commit}"], in: source)
        else {
            throw SourceBuildError("--commit \(revision): no such commit in \(source)")
        }
        let hash = commit.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (try? Command.git(["rev-parse", "--verify", "--quiet", hash + "^"], in: source)) != nil else {
            throw SourceBuildError(
                "--commit \(revision): \(hash) has no parent to build the running code from")
        }
        return hash
    }

    /// A clone sharing the source's objects (nothing written into the source) checked out at `revision`.
    private static func checkout(_ source: String, at revision: String, into tree: String) throws {
        try FileManager.default.createDirectory(
            atPath: (tree as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = try Command.git(["clone", "--quiet", "--shared", "--no-checkout", source, tree], in: source)
        _ = try Command.git(
            ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", revision], in: tree)
    }

    /// The source's tracked files (or all of it outside git), copied with their modes.
    private static func copyTree(_ source: String, to tree: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: tree, withIntermediateDirectories: true)
        guard let listing = try? Command.git(["ls-files", "-z"], in: source) else {
            let copy = try Command(
                executable: "/bin/cp", arguments: ["-a", source + "/.", tree], directory: source
            ).run()
            guard copy.status == 0 else {
                throw SourceBuildError("cannot copy \(source) to \(tree): \(copy.output)")
            }
            return
        }
        for file in listing.split(separator: "\0").map(String.init) {
            let destination = tree + "/" + file
            try manager.createDirectory(
                atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true
            )
            try manager.copyItem(atPath: source + "/" + file, toPath: destination)
        }
    }

    private static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
