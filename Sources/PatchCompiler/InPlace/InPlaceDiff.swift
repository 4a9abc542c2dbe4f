import Shared

/// The story's own method: two builds whose every symbol has the same address and size differ
/// only in bytes, and those bytes are the patch. Any moved symbol refuses the method.
struct InPlaceDiff {
    private(set) var functions: [ReplacedFunction] = []
    private(set) var edits: [InPlaceEdit] = []
    private(set) var decisions: [PatchSelection.Decision] = []

    init(old: TargetModule, new: TargetModule) throws {
        let oldLayout = InPlaceDiff.layout(old)
        let newLayout = InPlaceDiff.layout(new)
        for (key, symbol) in oldLayout.sorted(by: { $0.value.value < $1.value.value }) {
            guard let moved = newLayout[key] else {
                throw InPlaceDiff.moved(
                    key.name,
                    "is at 0x\(String(symbol.value, radix: 16)) in \(old.path) but not in \(new.path)")
            }
            guard moved.value == symbol.value, moved.size == symbol.size else {
                throw InPlaceDiff.moved(
                    key.name,
                    "moved from 0x\(String(symbol.value, radix: 16)) (\(symbol.size) bytes) to "
                        + "0x\(String(moved.value, radix: 16)) (\(moved.size) bytes)")
            }
        }
        if let extra = newLayout.keys.filter({ oldLayout[$0] == nil }).min(by: { $0.name < $1.name }) {
            throw InPlaceDiff.moved(extra.name, "is new in \(new.path)")
        }
        for (key, symbol) in oldLayout.sorted(by: { $0.value.value < $1.value.value }) where symbol.size > 0 {
            let before = try old.bytes(at: symbol.value, count: symbol.size)
            let after = try new.bytes(at: symbol.value, count: symbol.size)
            guard before != after else { continue }
            guard symbol.type == .function else {
                throw PatchCreationError(
                    "the initial value of variable \(key.name) differs between the builds; a running process keeps "
                        + "its own value: move the change into code")
            }
            functions.append(
                ReplacedFunction(
                    oldAddress: ModuleAddress(symbol.value), oldSize: symbol.size, oldName: key.name,
                    newName: key.name))
            decisions.append(
                .init(verdict: .included, name: key.name, reason: "bytes differ, rewritten in place"))
            edits += InPlaceDiff.runs(before, after, at: symbol.value)
        }
        guard !edits.isEmpty else {
            throw PatchCreationError("\(old.path) and \(new.path) have the same code: nothing to patch")
        }
    }

    private struct Key: Hashable {
        let name: String
        let file: String?
    }

    /// Functions and variables (not `.bss`) by name and file, the only things whose bytes matter.
    private static func layout(_ module: TargetModule) -> [Key: ELFSymbol] {
        var result: [Key: ELFSymbol] = [:]
        for (name, definitions) in module.definitions {
            for definition in definitions where [.function, .object].contains(definition.symbol.type) {
                let section =
                    module.elf.sections.indices.contains(Int(definition.symbol.sectionIndex))
                    ? module.elf.sections[Int(definition.symbol.sectionIndex)] : nil
                if section?.type == .nobits && definition.symbol.type == .object { continue }
                result[Key(name: name, file: definition.file)] = definition.symbol
            }
        }
        return result
    }

    /// Contiguous differing bytes, merged when less than 8 equal bytes separate them.
    private static func runs(_ before: [UInt8], _ after: [UInt8], at base: UInt64) -> [InPlaceEdit] {
        var edits: [InPlaceEdit] = []
        var index = 0
        while index < before.count {
            guard before[index] != after[index] else { index += 1; continue }
            var end = index + 1
            var lastDifferent = index
            while end < before.count && end - lastDifferent < 8 {
                if before[end] != after[end] { lastDifferent = end }
                end += 1
            }
            let range = index...lastDifferent
            edits.append(
                InPlaceEdit(
                    address: ModuleAddress(base + UInt64(index)), old: Array(before[range]),
                    new: Array(after[range])))
            index = lastDifferent + 1
        }
        return edits
    }

    private static func moved(_ name: String, _ how: String) -> PatchCreationError {
        PatchCreationError(
            "the builds' layouts differ: \(name) \(how); an in-place patch needs identical layouts: use "
                + "`hotpatch create --target OLD --object FIX.o` instead")
    }
}
