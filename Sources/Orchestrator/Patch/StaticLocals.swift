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
    let counterparts: [Int: Counterpart]

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
        self.counterparts = counterparts
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
            if let exact = try placed(variable, in: user, old: old, candidates: candidates, target: target, unit: unit) {
                reached[exact.symbol.name] = exact
                continue
            }
            // The old function and its parts: a static's use may sit in the cold part.
            for piece in try [old] + names.targetParts(of: old.symbol.name) {
                let code = try target.bytes(at: piece.symbol.value, count: piece.symbol.size)
                for candidate in candidates
                where references(
                    code, at: piece.symbol.value, reach: candidate.symbol.value, absolute: target.isFixedAddress)
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
            if let hit = candidates.first(where: { Int64(bitPattern: $0.symbol.value) == base - offsetInVariable }) {
                return hit
            }
        }
        return nil
    }

    /// The object's functions whose code refers to `variable` (by name or by its section).
    private static func usersOf(_ variable: ELFSymbol, in unit: ObjectUnit) throws -> [ELFSymbol] {
        var users: [ELFSymbol] = []
        for section in unit.elf.sections where section.flags.contains(.execute) && section.flags.contains(.alloc) {
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
