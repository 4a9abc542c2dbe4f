import Shared

/// Pairs the object's function-scope statics (`counter.0`: GCC numbers them per file, and the
/// number moves when a fix adds another) with the target's by the functions that use them, as
/// kpatch does: never by the number. A static whose users' old code reaches one of the target's
/// statics of that name is that static (the running state binds to it); one that no old user
/// reaches is new data; one whose users reach several is refused, naming them.
struct StaticLocals {
    /// What an object static is in the target.
    enum Counterpart: Equatable {
        case existing(TargetModule.Definition)
        case new
    }

    /// Object symbol index -> its counterpart, for every numbered local variable of the unit.
    private(set) var counterparts: [Int: Counterpart]

    /// Correlates the numbered local variables of `unit` with the target's.
    init(target: TargetModule, unit: ObjectUnit, names: NumberedNames) throws {
        let statics = unit.symbols.filter {
            $0.isDefined && $0.binding == .local && $0.type == .object && GCCName.isNumbered($0.name)
                && $0.sectionIndex < 0xff00
        }
        var counterparts: [Int: Counterpart] = [:]
        for variable in statics {
            let key = GCCName.unnumbered(variable.name)
            let candidates = try names.targetStatics(named: key)
            let siblings = statics.filter { GCCName.unnumbered($0.name) == key }
            if candidates.isEmpty {
                counterparts[variable.index] = .new
            } else if siblings.count == 1, candidates.count == 1 {
                counterparts[variable.index] = .existing(candidates[0])
            } else {
                counterparts[variable.index] = try StaticLocals.byUsers(
                    of: variable, candidates: candidates, target: target, unit: unit, names: names)
            }
        }
        // A read-only static (CSWTCH.N, __func__.N, a computed-goto label table in
        // .data.rel.ro) is a constant, not state: it binds to the target's only when its bytes
        // are the same with its relocations resolved; else a fresh copy travels with its users.
        let pointers = try TargetPointers(target: target)
        for variable in statics {
            guard case .existing(let old) = counterparts[variable.index],
                try !StaticLocals.sameConstant(variable, old: old, pointers: pointers, unit: unit)
            else { continue }
            counterparts[variable.index] = .new
        }
        self.counterparts = counterparts
    }

    /// False for a read-only static whose bytes, relocations resolved, differ from the target's.
    private static func sameConstant(
        _ variable: ELFSymbol, old: TargetModule.Definition, pointers: TargetPointers, unit: ObjectUnit
    ) throws -> Bool {
        let section = try unit.section(Int(variable.sectionIndex))
        let readOnly = !section.flags.contains(.write) || section.name.hasPrefix(".data.rel.ro")
        guard readOnly, section.type != .nobits else { return true }
        guard variable.size == old.symbol.size else { return false }
        var mine = try unit.initialBytes(of: variable)
        var theirs = try pointers.target.initialBytes(of: old)
        for relocation in try unit.elf.relocations(for: section)
        where relocation.offset + UInt64(relocation.type.width) > variable.value
            && relocation.offset < variable.value + variable.size
        {
            guard relocation.offset >= variable.value,
                relocation.offset + UInt64(relocation.type.width) <= variable.value + variable.size,
                relocation.symbolIndex < unit.symbols.count,
                let held = try pointers.pointer(
                    at: old.symbol.value + (relocation.offset - variable.value), type: relocation.type),
                try reaches(
                    held, unit.symbols[relocation.symbolIndex], addend: relocation.addend, pointers: pointers,
                    unit: unit)
            else { return false }
            let at = Int(relocation.offset - variable.value)
            for index in at..<(at + Int(relocation.type.width)) { (mine[index], theirs[index]) = (0, 0) }
        }
        return mine == theirs
    }

    /// Whether what the target holds stands for `symbol + addend` of the object: a named
    /// function or variable of the target, a local function through its section (a label inside
    /// it lies at the same offset only when its code is laid out the same), or the same string.
    private static func reaches(
        _ held: TargetPointers.Pointer, _ symbol: ELFSymbol, addend: Int64, pointers: TargetPointers,
        unit: ObjectUnit
    ) throws -> Bool {
        let target = pointers.target
        var named = symbol
        var base: Int64 = 0
        if symbol.type == .section {
            guard
                let start = PatchBuilder.namedSymbol(
                    startingSection: Int(symbol.sectionIndex), in: unit.elf, symbols: unit.symbols)
            else {
                guard case .address(let address) = held,
                    let string = try unit.string(in: Int(symbol.sectionIndex), at: UInt64(bitPattern: addend))
                else { return false }
                return target.cString(at: address) == Array(string.utf8)
            }
            named = start
            base = -Int64(bitPattern: start.value)
        }
        if case .symbol(let name, let heldAddend) = held {
            return name == named.name && heldAddend == addend + base
        }
        guard case .address(let address) = held,
            let definition = try target.definition(of: named.name, sourceFile: unit.sourceFile)
        else { return false }
        return Int64(bitPattern: definition.symbol.value) + base + addend == Int64(bitPattern: address)
    }

    /// Carries a fresh copy of every static that points inside one of `sections` (labels of a
    /// computed goto in a function being replaced): the old copy points into the old code.
    mutating func carryStatics(pointingInto sections: Set<Int>, of unit: ObjectUnit) throws {
        for (index, counterpart) in counterparts where counterpart != .new {
            let variable = unit.symbols[index]
            let section = try unit.section(Int(variable.sectionIndex))
            let inside = try unit.elf.relocations(for: section).contains { relocation in
                guard relocation.offset >= variable.value, relocation.offset < variable.value + variable.size,
                    relocation.symbolIndex < unit.symbols.count
                else { return false }
                let symbol = unit.symbols[relocation.symbolIndex]
                return sections.contains(Int(symbol.sectionIndex))
                    && symbol.value &+ UInt64(bitPattern: relocation.addend) != 0
            }
            if inside { counterparts[index] = .new }
        }
    }

    /// The candidate the old code of `variable`'s users reaches.
    private static func byUsers(
        of variable: ELFSymbol, candidates: [TargetModule.Definition], target: TargetModule, unit: ObjectUnit,
        names: NumberedNames
    ) throws -> Counterpart {
        var reached: [String: TargetModule.Definition] = [:]
        var users: [String] = []
        for user in try usersOf(variable, in: unit) {
            users.append(user.name)
            guard case .found(let old) = try names.match(user) else { continue }
            if let exact = try placed(
                variable, in: user, old: old, candidates: candidates, target: target, unit: unit)
            {
                reached[exact.symbol.name] = exact
                continue
            }
            // The old function and its parts: a static's use may sit in the cold part.
            for piece in try [old] + names.targetParts(of: old.symbol.name) {
                let code = try target.bytes(at: piece.symbol.value, count: piece.symbol.size)
                for candidate in candidates
                where references(
                    code, at: piece.symbol.value, reach: candidate.symbol.value,
                    absolute: target.isFixedAddress)
                {
                    reached[candidate.symbol.name] = candidate
                }
            }
        }
        if reached.isEmpty { return .new }
        if reached.count == 1, let only = reached.values.first { return .existing(only) }
        throw PatchCreationError(
            "\(unit.path): static \(variable.name) (used by \(users.joined(separator: ", "))) could be either of the "
                + "target's \(reached.keys.sorted().joined(separator: " and ")): its users' old code reaches both; "
                + "give the new static another name or restart with the new build")
    }

    /// When the user is laid out as in the target (same size), the candidate its relocation to
    /// `variable` reaches at the same offset in the old code (`base = F + P - A`), if any.
    private static func placed(
        _ variable: ELFSymbol, in user: ELFSymbol, old: TargetModule.Definition,
        candidates: [TargetModule.Definition], target: TargetModule, unit: ObjectUnit
    ) throws -> TargetModule.Definition? {
        guard user.size == old.symbol.size else { return nil }
        let code = try target.bytes(at: old.symbol.value, count: old.symbol.size)
        let section = try unit.section(Int(user.sectionIndex))
        for relocation in try unit.elf.relocations(for: section)
        where [.pc32, .plt32].contains(relocation.type) && relocation.symbolIndex < unit.symbols.count
            && relocation.offset >= user.value && relocation.offset + 4 <= user.value + user.size
        {
            let symbol = unit.symbols[relocation.symbolIndex]
            let offsetInVariable: Int64
            if symbol.index == variable.index {
                offsetInVariable = 0
            } else if symbol.type == .section, symbol.sectionIndex == variable.sectionIndex {
                offsetInVariable = -Int64(bitPattern: variable.value)
            } else {
                continue
            }
            let at = Int(relocation.offset - user.value)
            let field = Int64(Int32(bitPattern: UInt32(littleEndian: code[at..<(at + 4)])))
            let base = field + Int64(bitPattern: old.symbol.value) + Int64(at) - relocation.addend
            if let hit = candidates.first(where: {
                Int64(bitPattern: $0.symbol.value) == base - offsetInVariable
            }) {
                return hit
            }
        }
        return nil
    }

    /// The object's functions whose code refers to `variable` (by name or by its section).
    private static func usersOf(_ variable: ELFSymbol, in unit: ObjectUnit) throws -> [ELFSymbol] {
        var users: [ELFSymbol] = []
        for section in unit.elf.sections
        where section.flags.contains(.execute) && section.flags.contains(.alloc) {
            let uses = try unit.elf.relocations(for: section).contains { relocation in
                guard relocation.symbolIndex < unit.symbols.count else { return false }
                let symbol = unit.symbols[relocation.symbolIndex]
                return symbol.index == variable.index
                    || (symbol.type == .section && symbol.sectionIndex == variable.sectionIndex)
            }
            if uses, let user = try unit.function(inSection: section.index) { users.append(user) }
        }
        return users
    }

    /// Whether linked code at `address` holds a RIP-relative displacement (any immediate of 0, 1,
    /// 2 or 4 bytes after it) or, in a fixed-address executable, an absolute address that reaches
    /// `reach`. Four bytes matching one exact address by chance is what this does not rule out.
    static func references(_ code: [UInt8], at address: UInt64, reach: UInt64, absolute: Bool) -> Bool {
        guard code.count >= 4 else { return false }
        for offset in 0...(code.count - 4) {
            let raw = UInt32(littleEndian: code[offset..<(offset + 4)])
            let field = Int64(Int32(bitPattern: raw))
            if absolute, UInt64(bitPattern: field) == reach || UInt64(raw) == reach { return true }
            let end = Int64(bitPattern: address) + Int64(offset) + 4 + field
            for immediate: Int64 in [0, 1, 2, 4] where UInt64(bitPattern: end + immediate) == reach {
                return true
            }
        }
        return false
    }
}
