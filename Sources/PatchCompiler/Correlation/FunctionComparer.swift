import Shared

/// Decides exactly whether an object's function equals the target's: the function is placed at
/// the target symbol's address, every relocation is checked to reach the same thing the
/// target's bytes reach (the symbol, its PLT entry, its GOT slot, the same string), and every
/// other byte must be equal.
struct FunctionComparer {
    let target: TargetModule
    let unit: ObjectUnit
    /// Decides what each relocation reaches, knowing where the compared function lives.
    let matcher: ReferenceMatcher

    /// Nil when identical; otherwise why the function differs.
    func difference(function: ELFSymbol, old: TargetModule.Definition) throws -> String? {
        guard try compare(function: function, old: old).reason != nil else { return nil }
        // Targets built without -ffunction-sections: other jump widths and nop padding (decoder's hook).
        return try InstructionComparer(comparer: self).difference(function: function, old: old)
    }

    /// The two versions' bytes once every relocation is checked, and the first difference.
    struct Comparison {
        /// Nil when identical; otherwise why the function differs.
        var reason: String?
        var mine: [UInt8] = []
        var theirs: [UInt8] = []
        /// Bytes relocations (and the linker's relaxations) account for.
        var masked = Set<Int>()
        /// The function's relocations, offsets relative to its first byte.
        var relocations: [ELFRelocation] = []
        /// True when only unrelocated bytes differ (same size, every reference reaches the same).
        var onlyBytesDiffer = false
    }

    /// Compares `function` placed at `old` with the target's bytes there.
    func compare(function: ELFSymbol, old: TargetModule.Definition) throws -> Comparison {
        guard function.size == old.symbol.size else {
            return Comparison(reason: "\(function.size) bytes, the target's has \(old.symbol.size)")
        }
        let (section, mine) = try unit.code(of: function)
        var result = Comparison()
        result.mine = mine
        result.theirs = try target.bytes(at: old.symbol.value, count: function.size)
        for relocation in try unit.elf.relocations(for: section) {
            guard relocation.offset >= function.value, relocation.offset < function.value + function.size
            else { continue }
            let at = Int(relocation.offset - function.value)
            let width = Int(relocation.type.width)
            guard at + width <= result.mine.count else {
                result.reason = "a relocation runs past the end of \(function.name)"
                return result
            }
            for index in at..<(at + width) { result.masked.insert(index) }
            result.relocations.append(
                ELFRelocation(
                    offset: UInt64(at), type: relocation.type, symbolIndex: relocation.symbolIndex,
                    addend: relocation.addend))
            let place = Place(
                offset: at, address: old.symbol.value + UInt64(at), mine: result.mine, theirs: result.theirs)
            let (same, relaxedBytes) = try reachesSame(relocation, place)
            if !same {
                result.reason =
                    "its reference to \(describeTarget(relocation)) at +\(at) reaches something else"
                return result
            }
            result.masked.formUnion(relaxedBytes)
        }
        for index in 0..<result.mine.count
        where !result.masked.contains(index) && result.mine[index] != result.theirs[index] {
            result.reason = "code differs at +\(index)"
            result.onlyBytesDiffer = true
            return result
        }
        return result
    }

    /// A relocation's place in the function, with both versions' bytes.
    struct Place {
        let offset: Int
        let address: UInt64
        let mine: [UInt8]
        let theirs: [UInt8]

        var field32: Int64 {
            Int64(Int32(bitPattern: UInt32(littleEndian: theirs[offset..<(offset + 4)])))
        }
        var field64: UInt64 {
            theirs[offset..<(offset + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    func describeTarget(_ relocation: ELFRelocation) -> String {
        let symbol = unit.symbols[relocation.symbolIndex]
        return symbol.name.isEmpty
            ? "section \((try? unit.section(Int(symbol.sectionIndex)).name) ?? "?")" : symbol.name
    }

    /// Whether the target's bytes at `place` reach what the relocation names; the second value
    /// lists instruction bytes the linker rewrote when it relaxed a GOT load (`mov` to `lea` or
    /// to `mov $imm`, indirect `call` to direct), which may differ from the object's.
    func reachesSame(_ relocation: ELFRelocation, _ place: Place) throws -> (Bool, Set<Int>) {
        guard relocation.symbolIndex < unit.symbols.count else { return (false, []) }
        let symbol = unit.symbols[relocation.symbolIndex]
        let addend = relocation.addend
        switch relocation.type {
        case .pc32, .plt32:
            let reached = UInt64(bitPattern: place.field32 &+ Int64(bitPattern: place.address) &- addend)
            return (try matcher.matches(symbol, base: reached, reach: addend + 4), [])
        case .gotpcrel, .gotpcrelx, .rexGotpcrelx:
            let slot = UInt64(bitPattern: place.field32 &+ Int64(bitPattern: place.address) &- addend)
            let opcode = place.offset - 2
            if let relaxed = try relaxedGOTLoad(relocation, place, symbol: symbol) { return relaxed }
            guard opcode < 0 || place.mine[opcode] == place.theirs[opcode] else { return (false, []) }
            if let name = target.gotSymbols[slot] { return (name == symbol.name, []) }
            if let value = target.gotRelative[slot] {
                return (try matcher.matches(symbol, base: value, reach: 0), [])
            }
            return (false, [])
        case .abs64:
            let stored = target.gotRelative[place.address] ?? place.field64
            return (
                try matcher.matches(
                    symbol, base: stored &- UInt64(bitPattern: addend), reach: addend, absolute: true), []
            )
        case .abs32s, .abs32:
            let raw = UInt32(littleEndian: place.theirs[place.offset..<(place.offset + 4)])
            let value =
                relocation.type == .abs32 ? UInt64(raw) : UInt64(bitPattern: Int64(Int32(bitPattern: raw)))
            return (
                try matcher.matches(
                    symbol, base: value &- UInt64(bitPattern: addend), reach: addend, absolute: true), []
            )
        case .tlsgd, .tlsld, .dtpoff32, .gottpoff:
            // What TLSRelaxation left: a library's dynamic TLS, another module's initial exec.
            let reached = UInt64(bitPattern: place.field32 &+ Int64(bitPattern: place.address) &- addend)
            return (
                try target.reachesSameThreadLocal(
                    relocation.type, symbol: symbol, addend: addend, sourceFile: unit.sourceFile, reached: reached,
                    field: place.field32), []
            )
        default:
            return (false, [])  // unknown kinds of reference: assume changed (include, never miss)
        }
    }

    /// The linker's GOT relaxations (x86-64 psABI B.2): `mov foo@GOTPCREL(%rip), %reg` becomes
    /// `lea foo(%rip), %reg` (PIE, libraries) or `mov $foo, %reg` (fixed-address executables);
    /// `call *foo@GOTPCREL(%rip)` becomes `addr32 call foo`. Nil when the bytes were not relaxed.
    private func relaxedGOTLoad(_ relocation: ELFRelocation, _ place: Place, symbol: ELFSymbol) throws
        -> (Bool, Set<Int>)?
    {
        let opcode = place.offset - 2
        guard opcode >= 0 else { return nil }
        let pcRelative = UInt64(
            bitPattern: place.field32 &+ Int64(bitPattern: place.address) &- relocation.addend)
        switch (place.mine[opcode], place.theirs[opcode]) {
        case (0x8b, 0x8d):
            return (
                try matcher.matches(symbol, base: pcRelative, reach: relocation.addend + 4),
                [opcode]
            )
        case (0x8b, 0xc7) where opcode >= 1:
            // The REX.R bit moves to REX.B and the ModRM byte becomes a register form.
            let absolute = UInt64(bitPattern: place.field32)
            return (
                try matcher.matches(symbol, base: absolute, reach: 0),
                [opcode - 1, opcode, opcode + 1]
            )
        case (0xff, 0x67) where place.mine[opcode + 1] == 0x15 && place.theirs[opcode + 1] == 0xe8:
            return (
                try matcher.matches(symbol, base: pcRelative, reach: relocation.addend + 4),
                [opcode, opcode + 1]
            )
        default:
            return nil
        }
    }
}
