import Foundation
import Shared
import TestSupport

/// Builds real patch files for tests with Shared's PatchBuilder from real gcc output: the fixed
/// object's functions replace the same-named functions of the target module.
enum TestPatch {
    /// Writes a patch replacing `functions` of `target` with their versions in `fixedObject`.
    /// Undefined symbols bind to the target's own symbols when it defines them (its variables and
    /// functions), else they are left to the agent's by-name lookup (libc).
    @discardableResult
    static func build(
        id: String, target: String, fixedObject: String, functions: [String], output: String
    ) throws -> String {
        let targetELF = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: target))))
        let symbols = (try targetELF.symbolTable() ?? targetELF.dynamicSymbols()) ?? []
        func defined(_ name: String) -> ELFSymbol? {
            symbols.first { $0.name == name && $0.isDefined && $0.value != 0 && $0.type != .section }
        }
        let replacements = try functions.map { name -> PatchBuilder.Replacement in
            guard let old = defined(name) else { throw TestPatchError("\(target) has no symbol \(name)") }
            return PatchBuilder.Replacement(
                newSymbol: name, oldAddress: ModuleAddress(old.value), oldSize: old.size, oldName: name)
        }
        let object = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixedObject))))
        guard let buildID = try targetELF.buildID() else { throw TestPatchError("\(target) has no build-id") }
        let metadata = PatchMetadata(
            kind: .relocatable, id: PatchID(id)!, description: "test patch", targetPathHint: target,
            targetBuildID: buildID)
        let bytes = try PatchBuilder(objects: [object], objectNames: [fixedObject]).build(
            metadata: metadata, replacing: replacements,
            bind: { _, symbol in
                guard symbol.sectionIndex == ELFSymbol.undefinedSection || symbol.binding != .local,
                    let match = defined(symbol.name), match.type != .gnuIndirectFunction,
                    !functions.contains(symbol.name)
                else { return nil }
                return ModuleAddress(match.value)
            })
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        return output
    }
}

/// A patch a test could not build.
struct TestPatchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
