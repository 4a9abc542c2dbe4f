import Foundation

/// The two builds behind `hotpatch create --source`: the fix's parent (the code that should be
/// running) and the fix, each made in a scratch tree with the project's own build and the
/// compiler wrapper, then the objects the fix changed.
public struct FixBuild: Sendable {
    /// Both scratch trees (kept until `remove()`).
    public let trees: ScratchTrees
    /// Objects whose bytes the fix changed (or added), sorted by path.
    public let changed: [ChangedObject]
    /// The parent build's objects the fix left identical, by source (relative to the tree).
    public let unchanged: [String: [String]]
    /// Things the user should know that do not stop the patch (a changed source nothing compiled).
    public let notes: [String]
    /// True when the project's build asked for `-flto` (dropped by the wrapper).
    public let sawLTO: Bool

    /// What the build reports while it runs: a step starting (`building the parent 5f366cc^
    /// (make -j2)`) and ending (`done in 41 s`).
    public enum Progress: Sendable {
        case started(String)
        case finished(seconds: Int)
    }

    /// Makes the trees under `scratch`, builds both with `command` (nil: detected), pairs the objects.
    public static func make(
        source: String, fix: FixSource, command: String?, scratch: String, jobs: Int,
        progress: (Progress) -> Void
    ) throws -> FixBuild {
        let source = URL(fileURLWithPath: source).standardizedFileURL.path
        progress(.started("making scratch trees for \(describe(fix)) in \(scratch)"))
        var clock = Date()
        let trees = try ScratchTrees.make(source: source, fix: fix, under: scratch)
        progress(.finished(seconds: Int(Date().timeIntervalSince(clock))))
        var logs: [(TreeBuild, CompileLog)] = []
        for (side, label) in [
            ("parent", "the parent " + trees.parentLabel), ("fix", "the fix " + trees.fixLabel),
        ] {
            let build = TreeBuild(side: trees.root + "/" + side, source: source)
            let recipe = try command.map(BuildRecipe.custom) ?? BuildRecipe.detect(in: build.tree, jobs: jobs)
            progress(.started("building \(label) (\(recipe.summary))"))
            clock = Date()
            logs.append((build, try build.run(recipe, label: label)))
            progress(.finished(seconds: Int(Date().timeIntervalSince(clock))))
        }
        let (parent, fixed) = (logs[0], logs[1])
        let (changed, unchanged) = ChangedObject.pairing(
            parent: parent.0.objects(of: parent.1), fix: fixed.0.objects(of: fixed.1), tree: fixed.0.tree)
        guard !changed.isEmpty else {
            trees.remove()
            throw SourceBuildError(
                "the fix \(trees.fixLabel) changed no object: both builds wrote identical objects (changed files: "
                    + "\(trees.changedFiles.joined(separator: ", "))); nothing to patch"
            )
        }
        return FixBuild(
            trees: trees, changed: changed, unchanged: unchanged,
            notes: notes(changedFiles: trees.changedFiles, changed: changed),
            sawLTO: parent.1.sawLTO || fixed.1.sawLTO)
    }

    /// Removes the scratch trees.
    public func remove() { trees.remove() }

    /// The sanity check: every changed C or C++ source of the fix should have changed an object.
    static func notes(changedFiles: [String], changed: [ChangedObject]) -> [String] {
        let compiled = Set(changed.map(\.source))
        let sourceExtensions: Set<String> = ["c", "cc", "cpp", "cxx", "c++", "C"]
        return changedFiles.filter {
            sourceExtensions.contains(($0 as NSString).pathExtension) && !compiled.contains($0)
        }
        .map {
            "\($0) changed, but no object compiled from it changed (not part of this build, or no code change)"
        }
    }

    private static func describe(_ fix: FixSource) -> String {
        switch fix {
        case .commit(let revision): return "commit \(revision) and its parent"
        case .diff(let file): return "the tree and the tree with \(file) applied"
        }
    }
}
