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

extension TestPatch {
    /// Writes an in-place (kind 2) patch from two builds with the same layout: every byte of
    /// `functions` that differs between `old` and `new` becomes an edit, the story's method.
    @discardableResult
    static func buildInPlace(id: String, old: String, new: String, functions: [String], output: String) throws
        -> String
    {
        let oldELF = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: old))))
        let newELF = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: new))))
        guard let buildID = try oldELF.buildID() else { throw TestPatchError("\(old) has no build-id") }
        var metadata = PatchMetadata(
            kind: .inPlace, id: PatchID(id)!, description: "in-place test patch", targetPathHint: old,
            targetBuildID: buildID)
        for name in functions {
            guard
                let oldSymbol = try oldELF.symbolTable()?.first(where: {
                    $0.name == name && $0.type == .function
                }),
                let newSymbol = try newELF.symbolTable()?.first(where: {
                    $0.name == name && $0.type == .function
                }),
                oldSymbol.value == newSymbol.value, oldSymbol.size == newSymbol.size
            else { throw TestPatchError("\(name) does not have the same layout in both builds") }
            let oldBytes = try bytes(of: oldSymbol, in: oldELF)
            let newBytes = try bytes(of: newSymbol, in: newELF)
            metadata.replacedFunctions.append(
                ReplacedFunction(
                    oldAddress: ModuleAddress(oldSymbol.value), oldSize: oldSymbol.size, oldName: name,
                    newName: name))
            for index in oldBytes.indices where oldBytes[index] != newBytes[index] {
                metadata.inPlaceEdits.append(
                    InPlaceEdit(
                        address: ModuleAddress(oldSymbol.value + UInt64(index)), old: [oldBytes[index]],
                        new: [newBytes[index]]))
            }
        }
        var writer = ELFObjectWriter()
        writer.sections.append(
            ELFObjectWriter.Section(name: ".hotpatch", flags: [], alignment: 8, bytes: metadata.encode()))
        writer.sections.append(PatchSignature.unsignedSection)
        try Data(writer.encode()).write(to: URL(fileURLWithPath: output))
        return output
    }

    private static func bytes(of symbol: ELFSymbol, in elf: ELFFile) throws -> [UInt8] {
        let section = try elf.section(at: Int(symbol.sectionIndex), for: symbol.name)
        let contents = try elf.contents(of: section)
        let start = contents.startIndex + Int(symbol.value - section.address)
        return Array(contents[start..<(start + Int(symbol.size))])
    }
}

extension CFixture {
    /// Compiles `fix` (C source) as the fixed object and builds patch `id` replacing
    /// `functions` of this fixture's linked `service`; returns the patch's path.
    func servicePatch(id: String, fix: String, functions: [String]) throws -> String {
        let object = try object(id, fix, flags: Fixtures.objectFlags)
        return try TestPatch.build(
            id: id, target: path("service"), fixedObject: object, functions: functions,
            output: path("\(id).hotpatch"))
    }
}
