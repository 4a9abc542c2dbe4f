import Foundation
import Shared

/// `hotpatch create` as a pipeline: load the target, load the objects, find what changed,
/// check every reference resolves, build the patch file. Returns the bytes and the decision
/// log; writing the file and printing are the command's business.
package struct PatchCreator {
    /// The finished patch and why it holds what it holds.
    package struct Outcome {
        package var bytes: [UInt8]
        package let decisions: [PatchSelection.Decision]
    }

    /// A relocatable patch from fixed objects (`--target` + `--object`).
    package static func fromObjects(
        target targetPath: String, objects: [String], functions: [String], id: PatchID, description: String,
        debugFile: String?
    ) throws -> Outcome {
        let selector = try selector(
            target: targetPath, objects: objects, functions: functions, debugFile: debugFile)
        let (target, units, binder) = (selector.target, selector.units, selector.binder)
        let selection = try selector.select()
        // Build: copy the carried sections, bind references to existing symbols by address.
        let metadata = PatchMetadata(
            kind: .relocatable, id: id, description: description, targetPathHint: absolute(targetPath),
            targetBuildID: target.buildID)
        let builder = PatchBuilder(objects: units.map(\.elf), objectNames: objects)
        let bytes = try builder.build(
            metadata: metadata, replacing: selection.replacements, carrying: selection.carried,
            bindSites: { index, symbol in
                // Static locals bind to the running one their users reach, never by GCC's number.
                switch selection.staticCounterpart(object: index, symbol: symbol) {
                case .existing(let definition): return (definition.address, .address)
                case .new: return nil  // carried: a new static, or a changed constant
                case nil: break
                }
                return try binder.site(of: symbol, sourceFile: units[index].sourceFile)
            })
        // Check: the result loads the way the agent will load it.
        _ = try PatchFile(bytes: bytes)
        return Outcome(bytes: bytes, decisions: selection.decisions)
    }

    /// The target and the objects loaded and the correlation readied: shared by `--object`
    /// and the parent check of `--source` (`checkParent`).
    static func selector(target targetPath: String, objects: [String], functions: [String], debugFile: String?)
        throws -> PatchSelector
    {
        // Load: the target with its symbols, then the fix's objects.
        let target = try TargetModule(path: targetPath, debugFile: debugFile)
        // Relax: TLS sequences of the -fPIC objects rewritten as the linker did in the target.
        let relaxation = try TLSRelaxation(target: target)
        let units = try objects.map { try relaxation.relax(try ObjectUnit(path: $0)) }
        // Resolve: the libraries the target needs, for undefined symbols the agent finds by name.
        let libraries = try LibraryResolver(target: target)
        var binder = TargetBinder(
            target: target, indirect: try IndirectFunctionIndex(libraries: libraries.libraries))
        binder.threadLocalModels = try TLSRelaxation.libraryModels(of: units)
        // Decide: changed functions, what they reach, what binds to the target.
        return PatchSelector(
            target: target, units: units, libraries: libraries, binder: binder,
            namedFunctions: functions.isEmpty ? nil : Set(functions))
    }

    /// An in-place patch from two builds with identical layout (`--old` + `--new`).
    package static func fromBuilds(old oldPath: String, new newPath: String, id: PatchID, description: String) throws
        -> Outcome
    {
        let old = try TargetModule(path: oldPath)
        let new = try TargetModule(path: newPath)
        let diff = try InPlaceDiff(old: old, new: new)
        let metadata = PatchMetadata(
            kind: .inPlace, id: id, description: description, targetPathHint: absolute(oldPath),
            targetBuildID: old.buildID,
            replacedFunctions: diff.functions, inPlaceEdits: diff.edits)
        var writer = ELFObjectWriter()
        writer.sections.append(
            ELFObjectWriter.Section(name: ".hotpatch", flags: [], alignment: 8, bytes: metadata.encode()))
        writer.sections.append(PatchSignature.unsignedSection)
        let bytes = writer.encode()
        _ = try PatchFile(bytes: bytes)
        return Outcome(bytes: bytes, decisions: diff.decisions)
    }

    /// The path hint is for people on other hosts: make it absolute.
    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
