import Foundation
import PatchCompiler
import Shared
import SourceBuild

/// `hotpatch create --source`: the fix's objects come from two builds of the project (see
/// `FixBuild`). Before any patch is made, the rebuilt parent must be the running code: each
/// changed object's parent version is correlated with the target exactly as `--object` does,
/// and every function of it must come out identical. Then the fix's versions go through
/// `fromObjects`, with the same decisions.
extension PatchCreator {
    /// A patch from the fix in a source tree (`--source` with `--commit` or `--diff`): builds the
    /// parent and the fix in scratch trees (`FixBuild`, from the SourceBuild library), removed on
    /// return. `progress` hears the builds; `note` hears which objects changed and which were
    /// skipped and why.
    package static func fromSource(
        target: String, source: String, fix: FixSource, buildCommand: String?, scratch: String, jobs: Int,
        id: PatchID, description: String, debugFile: String?,
        progress: @escaping (FixBuild.Progress) -> Void, note: (String) -> Void
    ) throws -> Outcome {
        let build = try FixBuild.make(
            source: source, fix: fix, command: buildCommand, scratch: scratch, jobs: jobs, progress: progress)
        defer { build.remove() }
        note("the fix changed \(build.changed.count) object(s): \(build.changed.map(\.key).joined(separator: ", "))")
        let made = try fromSource(target: target, build: build, id: id, description: description, debugFile: debugFile)
        made.notes.forEach(note)
        return made.outcome
    }

    /// A patch from a finished source build; `notes` says which objects were skipped and why.
    static func fromSource(
        target: String, build: FixBuild, id: PatchID, description: String, debugFile: String?
    ) throws -> (outcome: Outcome, notes: [String]) {
        var notes = build.notes
        var selected: [String] = []
        var otherBuilds: [String] = []
        for source in Set(build.changed.map(\.source)).sorted() {
            selected += try runningVariants(
                of: source, build: build, target: target, debugFile: debugFile, notes: &notes,
                otherBuilds: &otherBuilds)
        }
        if !otherBuilds.isEmpty {
            notes.append(
                "\(otherBuilds.count) changed object(s) skipped: builds of their source other than the running one, "
                    + "whose object the fix left unchanged (\(otherBuilds.joined(separator: ", ")))")
        }
        guard !selected.isEmpty else {
            if build.sawLTO {
                throw PatchCreationError(
                    "none of the functions of the objects the fix \(build.trees.fixLabel) changed is in \(target) as a "
                        + "function of its own: the project builds with -flto, and link-time optimization inlined or "
                        + "merged them away in the running binary; a per-object rebuild without LTO (which hotpatch "
                        + "needs) does not reproduce it. Build and deploy without -flto to hotpatch it.")
            }
            throw PatchCreationError(
                "none of the objects the fix \(build.trees.fixLabel) changed (\(build.changed.map(\.key).joined(separator: ", "))) "
                    + "has a function in \(target): the fix is for another program or library of the project; "
                    + "pass that one with --target")
        }
        if build.sawLTO {
            notes.append(
                "the project builds with -flto: rebuilt without it, and the rebuild reproduces the running code "
                    + "function by function")
        }
        let outcome = try fromObjects(
            target: target, objects: selected, functions: [], id: id, description: description,
            debugFile: debugFile)
        return (outcome, notes)
    }

    /// The fix's objects of `source` whose parent version is the running code. A source may be
    /// compiled several times with other flags (memcached's `memcached-debug`): the variants that
    /// match are used; when none of the changed ones does but an unchanged one matches, the
    /// running code of that source did not change; else the first difference is refused.
    static func runningVariants(
        of source: String, build: FixBuild, target: String, debugFile: String?, notes: inout [String],
        otherBuilds: inout [String]
    ) throws -> [String] {
        var firstDifference: ParentCheck?
        var selected: [String] = []
        var otherPrograms: [String] = []
        for object in build.changed where object.source == source {
            guard let parent = object.parentObject else {
                notes.append(
                    "\(object.key): new in the fix, not used (a fix that adds a source file is not supported)"
                )
                continue
            }
            let check = try checkParent(parent, target: target, debugFile: debugFile)
            switch check {
            case .matches: selected.append(object.fixObject)
            case .absent:
                notes.append(
                    "\(object.key): none of its functions is in \(target) (another program's object)")
            case .differs:
                firstDifference = firstDifference ?? check
                otherPrograms.append(object.key)
            }
        }
        guard selected.isEmpty, case .differs(let function, let reason, let object) = firstDifference else {
            return selected
        }
        for unchanged in build.unchanged[source] ?? []
        where try checkParent(unchanged, target: target, debugFile: debugFile) == .matches {
            otherBuilds += otherPrograms
            return []
        }
        throw PatchCreationError(
            "the rebuilt parent \(build.trees.parentLabel) is not the code running in \(target): \(function) "
                + "(\(source)) differs (\(reason)). \(likelyCause(target: target, object: object, build: build)) "
                + "No patch was made against code that is not running.")
    }

    /// Why a rebuild may differ: another compiler (the `.comment` strings), LTO, or flags.
    static func likelyCause(target: String, object: String, build: FixBuild) -> String {
        let running = compilerStrings(of: target)
        let rebuilt = compilerStrings(of: object)
        if build.sawLTO {
            return
                "The project builds with -flto: the running binary was built with LTO, and a per-object rebuild "
                + "without LTO (which hotpatch needs) does not reproduce it; build and deploy without -flto to hotpatch it."
        }
        // The target's .comment also holds the C runtime's compiler (crt*.o): another compiler
        // shows as a string the rebuild lacks, or a rebuild string the target never saw.
        let onlyRunning = running.subtracting(rebuilt)
        if !running.isEmpty, !rebuilt.isEmpty, !onlyRunning.isEmpty || !rebuilt.isSubset(of: running) {
            let names = { (set: Set<String>) in set.sorted().joined(separator: "; ") }
            return "Likely cause: another compiler: the target holds code compiled by "
                + "\(names(onlyRunning.isEmpty ? running : onlyRunning)), this rebuild used \(names(rebuilt)); "
                + "rebuild with the target's compiler (--build 'make CC=...', or CC=... for configure and CMake)."
        }
        return
            "Likely cause: other compiler flags (optimization level, -fPIC/-fPIE, -D defines) than the running build's"
            + " (same compiler, \(rebuilt.sorted().joined(separator: "; "))); pass the deployed build's command and flags "
            + "with --build 'COMMAND'."
    }

}
