import Shared

extension PatchSelector {
    /// One function family of one object that the target also has, and how it compares.
    struct FamilyVerdict {
        let unit: Int
        let family: FunctionFamily
        let old: TargetModule.Definition
        /// The target's parts of the old function, guarded at the safe point when it is replaced.
        let oldParts: [TargetModule.Definition]
        /// Nil when the family is identical once linked at the target's places; else why not.
        var difference: String?
        /// Set when the only difference is a `__LINE__` constant (then `difference` is nil).
        var lineShift: FunctionComparer.LineShift?
    }

    /// Compares every function family of the objects with the target's: the root and its parts
    /// as one unit (each part placed at the target's part), then marks changed every family that
    /// calls a part of a changed family (its old code would keep the old part's behaviour).
    /// `statics` pairs each unit's static locals with the target's.
    func compareFamilies(statics: [StaticLocals]) throws -> [FamilyVerdict] {
        var verdicts: [FamilyVerdict] = []
        for (index, unit) in units.enumerated() {
            for section in unit.elf.sections
            where section.flags.contains(.execute) && section.flags.contains(.alloc) {
                // One function per section, or say how to compile.
                _ = try unit.function(inSection: section.index)
            }
            let names = NumberedNames(target: target, unit: unit)
            let matcher = try ReferenceMatcher(target: target, unit: unit, statics: statics[index])
            for family in FunctionFamily.families(
                // One decision per function: C++ C1/C2 and D1/D2 aliases are the first name's.
                of: unit.functions.filter { !$0.name.hasSuffix(".localalias") && !unit.isAlias($0) })
            {
                let match = try names.match(family.root)
                let old: TargetModule.Definition
                switch match {
                case .absent: continue  // new: carried when an included function reaches it
                case .found(let definition): old = definition
                case .ambiguous:
                    guard let exact = try target.definition(of: family.root.name, sourceFile: unit.sourceFile)
                    else {
                        continue
                    }
                    old = exact
                }
                guard old.symbol.type == .function || old.symbol.type == .gnuIndirectFunction else {
                    continue
                }
                let oldParts = try names.targetParts(of: old.symbol.name)
                var verdict = FamilyVerdict(unit: index, family: family, old: old, oldParts: oldParts)
                (verdict.difference, verdict.lineShift) = try difference(
                    of: verdict, in: unit, matcher: matcher)
                if verdict.difference != nil, case .ambiguous(let mine, let theirs) = match {
                    throw PatchCreationError(
                        "\(unit.path): \(family.root.name) changed, and which of the target's clones it replaces cannot "
                            + "be decided by GCC's numbering (object: \(mine.joined(separator: ", ")); target: "
                            + "\(theirs.joined(separator: ", "))); restart with the new build")
                }
                verdicts.append(verdict)
            }
        }
        try markCallersOfChangedParts(&verdicts)
        return verdicts
    }

    /// Why a family differs from the target's, or nil; a `__LINE__`-only change is not a
    /// difference but is returned as the second value.
    private func difference(of verdict: FamilyVerdict, in unit: ObjectUnit, matcher: ReferenceMatcher) throws
        -> (String?, FunctionComparer.LineShift?)
    {
        var pairs: [(ELFSymbol, TargetModule.Definition)] = [(verdict.family.root, verdict.old)]
        var unpaired = verdict.oldParts
        for part in verdict.family.parts {
            let byNumber = unpaired.indices.filter {
                GCCName.unnumbered(unpaired[$0].symbol.name) == GCCName.unnumbered(part.name)
            }
            guard
                let at = unpaired.firstIndex(where: { $0.symbol.name == part.name })
                    ?? (byNumber.count == 1 ? byNumber.first : nil)
            else { return ("its part \(part.name) is new", nil) }
            pairs.append((part, unpaired.remove(at: at)))
        }
        if let gone = unpaired.first { return ("its old part \(gone.symbol.name) is gone", nil) }
        var anchors: [Int: UInt64] = [:]
        for (symbol, definition) in pairs {
            anchors[Int(symbol.sectionIndex)] = definition.symbol.value &- symbol.value
        }
        let comparer = FunctionComparer(target: target, unit: unit, matcher: matcher.anchored(anchors))
        var shift: FunctionComparer.LineShift?
        for (symbol, definition) in pairs {
            guard let reason = try comparer.difference(function: symbol, old: definition) else { continue }
            if let moved = try comparer.lineShift(function: symbol, old: definition),
                shift == nil || shift!.new - shift!.old == moved.new - moved.old
            {
                shift = shift ?? moved
                continue
            }
            return (
                symbol.name == verdict.family.root.name ? reason : "its part \(symbol.name): \(reason)", nil
            )
        }
        return (nil, shift)
    }

    /// An unchanged family whose code calls a part of a changed one (GCC's partial inlining puts
    /// `X.part.N` calls into X's callers) is changed too: its old code reaches the old part.
    private func markCallersOfChangedParts(_ verdicts: inout [FamilyVerdict]) throws {
        var changedAgain = true
        while changedAgain {
            changedAgain = false
            for index in verdicts.indices where verdicts[index].difference == nil {
                let verdict = verdicts[index]
                let unit = units[verdict.unit]
                let changedParts = verdicts.filter { $0.unit == verdict.unit && $0.difference != nil }
                    .flatMap { changed in
                        changed.family.parts.map { (Int($0.sectionIndex), $0.name, changed) }
                    }
                guard !changedParts.isEmpty else { continue }
                for member in verdict.family.members {
                    let section = try unit.section(Int(member.sectionIndex))
                    for relocation in try unit.elf.relocations(for: section)
                    where relocation.symbolIndex < unit.symbols.count {
                        let symbol = unit.symbols[relocation.symbolIndex]
                        guard let hit = changedParts.first(where: { $0.0 == Int(symbol.sectionIndex) }),
                            symbol.isDefined, hit.2.family.root.name != verdict.family.root.name
                        else { continue }
                        verdicts[index].difference =
                            "it calls \(hit.1), a part of changed \(hit.2.family.root.name)"
                        changedAgain = true
                        break
                    }
                    if verdicts[index].difference != nil { break }
                }
            }
        }
    }
}
