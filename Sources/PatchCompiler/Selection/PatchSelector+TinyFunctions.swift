import Shared

extension PatchSelector {
    /// A changed function shorter than the 5-byte entry jump, with another function starting
    /// inside those 5 bytes (`-falign-functions=1`, a 4-byte `imul; ret`), cannot be replaced in
    /// place: the jump would overwrite the next function. Its new code travels as a new function
    /// and the functions of the objects that call it are replaced instead. Refused, naming the
    /// caller, when code outside the objects calls it or its address is stored in the target's
    /// data (those would keep running the old one).
    func redirectTinyFunctions(
        _ selection: inout PatchSelection, verdicts: [FamilyVerdict],
        worklist: inout [Pending]
    ) throws {
        var redirected = Set<String>()
        while let tiny = selection.replacements.first(where: {
            !redirected.contains($0.newSymbol) && isTooShort($0)
        }) {
            redirected.insert(tiny.newSymbol)
            selection.replacements.removeAll { $0.newSymbol == tiny.newSymbol && $0.object == tiny.object }
            selection.decisions.removeAll { $0.verdict == .included && $0.name == tiny.newSymbol }
            selection.decisions.append(
                .init(
                    verdict: .newFunction, name: tiny.newSymbol,
                    reason:
                        "changed, but its \(tiny.oldSize) bytes cannot hold the 5-byte jump: its callers are "
                        + "replaced instead"))
            guard
                let tinyVerdict = verdicts.first(where: {
                    $0.unit == tiny.object && $0.family.root.name == tiny.newSymbol
                })
            else { continue }
            let sections = Set(tinyVerdict.family.members.map { Int($0.sectionIndex) })
            var callers: [FamilyVerdict] = []
            for verdict in verdicts
            where verdict.unit == tiny.object && verdict.family.root.name != tiny.newSymbol {
                if try calls(verdict, anyOf: sections) { callers.append(verdict) }
            }
            guard !callers.isEmpty else {
                throw PatchCreationError(
                    "\(tiny.newSymbol) changed, but its \(tiny.oldSize) bytes cannot hold the 5-byte jump (the next "
                        + "function starts inside those 5 bytes) and no function of the objects calls it to be "
                        + "replaced instead: restart with the new build")
            }
            try refuseOtherReferences(to: tiny, callers: callers + verdicts.filter { included($0, in: selection) })
            for caller in callers where !included(caller, in: selection) {
                include(
                    caller, reason: "it calls \(tiny.newSymbol), which changed and is too short for a jump",
                    into: &selection, worklist: &worklist)
            }
        }
    }

    /// Whether `replacement`'s old function is under 5 bytes with another function starting
    /// within the jump's 5 bytes.
    private func isTooShort(_ replacement: PatchBuilder.Replacement) -> Bool {
        let start = replacement.oldAddress.rawValue
        guard replacement.oldSize < 5 else { return false }
        return target.definitions.values.contains { definitions in
            definitions.contains {
                ($0.symbol.type == .function || $0.symbol.type == .gnuIndirectFunction)
                    && $0.symbol.value > start
                    && $0.symbol.value < start + 5
            }
        }
    }

    private func included(_ verdict: FamilyVerdict, in selection: PatchSelection) -> Bool {
        selection.replacements.contains { $0.object == verdict.unit && $0.newSymbol == verdict.family.root.name }
    }

    /// Whether any member of `verdict` refers to one of `sections` (a call or an address).
    private func calls(_ verdict: FamilyVerdict, anyOf sections: Set<Int>) throws -> Bool {
        let unit = units[verdict.unit]
        for member in verdict.family.members {
            let section = try unit.section(Int(member.sectionIndex))
            for relocation in try unit.elf.relocations(for: section)
            where relocation.symbolIndex < unit.symbols.count {
                let symbol = unit.symbols[relocation.symbolIndex]
                if symbol.isDefined, sections.contains(Int(symbol.sectionIndex)) { return true }
            }
        }
        return false
    }

    /// Refuses when target code other than `callers` calls or jumps to the tiny function, or the
    /// target's data holds its address.
    private func refuseOtherReferences(to tiny: PatchBuilder.Replacement, callers: [FamilyVerdict]) throws {
        let address = tiny.oldAddress.rawValue
        let covered = callers.flatMap { [$0.old] + $0.oldParts }.map {
            $0.symbol.value..<($0.symbol.value + max($0.symbol.size, 1))
        }
        for section in target.elf.sections where section.flags.contains(.execute) && section.type == .progbits
        {
            let code = Array(try target.elf.contents(of: section))
            guard code.count >= 5 else { continue }
            for at in 0...(code.count - 5) where code[at] == 0xe8 || code[at] == 0xe9 {
                let field = Int64(Int32(bitPattern: UInt32(littleEndian: code[(at + 1)..<(at + 5)])))
                let place = section.address + UInt64(at)
                guard UInt64(bitPattern: Int64(bitPattern: place) + 5 + field) == address,
                    !covered.contains(where: { $0.contains(place) }),
                    let user = functionContaining(place), user.symbol.value != address
                else { continue }
                throw PatchCreationError(
                    "\(tiny.newSymbol) changed but its \(tiny.oldSize) bytes cannot hold the 5-byte jump, and "
                        + "\(user.symbol.name), which the objects do not hold, calls it: pass the object of "
                        + "\(user.symbol.name)'s file too, or restart with the new build")
            }
        }
        if try TargetPointers(target: target).holdsAddress(address) {
            throw PatchCreationError(
                "\(tiny.newSymbol) changed but its \(tiny.oldSize) bytes cannot hold the 5-byte jump, and the "
                    + "target's data holds its address (a function pointer): restart with the new build")
        }
    }

    /// The target function whose code holds `address`.
    private func functionContaining(_ address: UInt64) -> TargetModule.Definition? {
        for definitions in target.definitions.values {
            for definition in definitions
            where definition.symbol.type == .function && definition.symbol.value <= address
                && address < definition.symbol.value + definition.symbol.size
            {
                return definition
            }
        }
        return nil
    }
}

extension TargetPointers {
    /// Whether a dynamic relocation of the target stores `address` (a function pointer in data).
    func holdsAddress(_ address: UInt64) throws -> Bool {
        for table in target.elf.sections where table.type == .rela && table.flags.contains(.alloc) {
            for relocation in try target.elf.relocations(in: table)
            where relocation.type.rawValue == 8 && UInt64(bitPattern: relocation.addend) == address {
                return true
            }
        }
        return false
    }
}
