import Shared

/// Decides what a relocatable patch carries: the changed functions (found exactly by
/// ``FunctionComparer``, or named with --function), the new functions and data they reach, and
/// which references bind to the target's existing symbols. Refuses what the agent cannot do.
struct PatchPlanner {
    let target: TargetModule
    let units: [ObjectUnit]
    let libraries: LibraryResolver
    let namedFunctions: Set<String>?

    func plan() throws -> PatchPlan {
        var plan = PatchPlan()
        try checkExistingVariables()
        var worklist: [(unit: Int, section: Int, by: String)] = []
        // Step 1: every function that exists in the target: changed or not.
        for (index, unit) in units.enumerated() {
            let matcher = try ReferenceMatcher(target: target, unit: unit)
            for section in unit.elf.sections
            where section.flags.contains(.execute) && section.flags.contains(.alloc) {
                guard let function = try unit.function(inSection: section.index) else { continue }
                guard let old = try target.definition(of: function.name, sourceFile: unit.sourceFile),
                    old.symbol.type == .function || old.symbol.type == .gnuIndirectFunction
                else { continue }
                let reason: String?
                if let namedFunctions {
                    reason = namedFunctions.contains(function.name) ? "named with --function" : nil
                } else {
                    let anchors = [section.index: old.symbol.value &- function.value]
                    reason = try FunctionComparer(target: target, unit: unit, matcher: matcher.anchored(anchors))
                        .difference(function: function, old: old)
                }
                guard let reason else {
                    plan.decisions.append(
                        .init(verdict: .leftOut, name: function.name, reason: identicalReason))
                    continue
                }
                plan.decisions.append(.init(verdict: .included, name: function.name, reason: reason))
                plan.carried.insert(.init(object: index, section: section.index))
                plan.replacements.append(
                    .init(
                        object: index, newSymbol: function.name, oldAddress: old.address,
                        oldSize: old.symbol.size,
                        oldName: function.name))
                worklist.append((index, section.index, function.name))
            }
        }
        if let namedFunctions {
            let found = Set(plan.replacements.map(\.newSymbol))
            if let absent = namedFunctions.subtracting(found).sorted().first {
                throw PatchCreationError(
                    "--function \(absent): no function of that name is in both the objects and \(target.path)"
                )
            }
        }
        guard !plan.replacements.isEmpty else {
            if target.elf.section(named: ".symtab") == nil {
                throw PatchCreationError(
                    "\(target.path) is stripped (no .symtab) and none of the objects' functions is in its .dynsym: "
                        + "pass its debug file with --debug-file")
            }
            throw PatchCreationError(
                "no function of \(units.map(\.path).joined(separator: ", ")) differs from \(target.path): nothing to "
                    + "patch (compile the fixed source with the target's flags plus -ffunction-sections -fdata-sections)"
            )
        }
        // Step 2: follow references from what is included, carrying new code and data.
        while let (index, sectionIndex, by) = worklist.popLast() {
            worklist += try follow(unit: index, section: sectionIndex, by: by, into: &plan)
        }
        // Step 3: say which new functions nothing included reaches (they stay out).
        for (index, unit) in units.enumerated() {
            for function in unit.functions
            where !unit.isAlias(function) && !plan.carried.contains(.init(object: index, section: Int(function.sectionIndex)))
                && !plan.decisions.contains(where: { $0.name == function.name })
            {
                plan.decisions.append(
                    .init(
                        verdict: .leftOut, name: function.name,
                        reason: "new in the object, but no included function calls it"))
            }
        }
        return plan
    }

    private var identicalReason: String {
        namedFunctions == nil ? "identical to the target's once linked there" : "not named with --function"
    }

    /// Walks one carried section's relocations; returns newly carried code sections to walk.
    private func follow(unit index: Int, section sectionIndex: Int, by: String, into plan: inout PatchPlan)
        throws
        -> [(unit: Int, section: Int, by: String)]
    {
        let unit = units[index]
        let section = try unit.section(sectionIndex)
        var more: [(unit: Int, section: Int, by: String)] = []
        for relocation in try unit.elf.relocations(for: section) where relocation.type != .none {
            guard relocation.symbolIndex < unit.symbols.count else {
                throw PatchCreationError("\(unit.path): relocation in \(section.name) names a missing symbol")
            }
            var symbol = unit.symbols[relocation.symbolIndex]
            if symbol.type == .section,
                let named = PatchBuilder.namedSymbol(
                    startingSection: Int(symbol.sectionIndex), in: unit.elf, symbols: unit.symbols),
                !plan.carried.contains(.init(object: index, section: Int(symbol.sectionIndex)))
            {
                symbol = named  // GAS names local functions by section + offset: bind by the function's name
            }
            let bound =
                try symbol.type == .section
                ? nil : target.definition(of: symbol.name, sourceFile: unit.sourceFile)
            try checkPlaceable(relocation, symbol: symbol, bound: bound != nil, in: section, of: unit)
            if let bound {
                let decision = PatchPlan.Decision(
                    verdict: .binds, name: symbol.name,
                    reason: "existing \(kind(bound.symbol)) at \(bound.address)")
                if !plan.decisions.contains(decision) { plan.decisions.append(decision) }
                continue
            }
            guard symbol.isDefined else {
                if symbol.sectionIndex == ELFSymbol.commonSection {
                    throw PatchCreationError(
                        "\(unit.path): \(symbol.name) is a common symbol; recompile with -fno-common")
                }
                guard libraries.exported.contains(symbol.name) || symbol.binding == .weak else {
                    throw PatchCreationError(
                        "\(unit.path): \(by) uses \(symbol.name), which neither \(target.path) nor its libraries ("
                            + "\(libraryNames))"
                            + " define; link it into the target or drop the reference")
                }
                continue
            }
            let ref = PatchBuilder.SectionRef(object: index, section: Int(symbol.sectionIndex))
            guard plan.carried.insert(ref).inserted else { continue }
            let carriedSection = try unit.section(ref.section)
            if carriedSection.flags.contains(.tls) {
                throw PatchCreationError(
                    "\(unit.path): \(by) uses new thread-local variable \(symbol.name.isEmpty ? carriedSection.name : symbol.name); "
                        + "hotpatch cannot add TLS to a running process: keep the state in an existing variable"
                )
            }
            if carriedSection.flags.contains(.execute) {
                let name = try unit.function(inSection: ref.section)?.name ?? carriedSection.name
                plan.decisions.append(.init(verdict: .newFunction, name: name, reason: "called by \(by)"))
                more.append((index, ref.section, name))
            } else {
                let name = symbol.name.isEmpty ? carriedSection.name : symbol.name
                let what =
                    carriedSection.flags.contains(.strings)
                    ? "string literals"
                    : (carriedSection.flags.contains(.write) ? "variable" : "read-only data")
                plan.decisions.append(.init(verdict: .newData, name: name, reason: "\(what) used by \(by)"))
                more.append((index, ref.section, by))
            }
        }
        return more
    }

    private var libraryNames: String {
        libraries.libraries.isEmpty
            ? "none"
            : libraries.libraries.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(
                separator: ", ")
    }

    private func kind(_ symbol: ELFSymbol) -> String {
        symbol.type == .function || symbol.type == .gnuIndirectFunction ? "function" : "variable"
    }

    /// Refuses relocations the agent cannot place, naming the symbol and the fix.
    private func checkPlaceable(
        _ relocation: ELFRelocation, symbol: ELFSymbol, bound: Bool, in section: ELFSection,
        of unit: ObjectUnit
    ) throws {
        let name = symbol.name.isEmpty ? "section data" : symbol.name
        switch relocation.type {
        case .tlsgd, .tlsld, .dtpoff32, .gottpoff, .tpoff32:
            throw PatchCreationError(
                "\(unit.path): \(section.name) uses thread-local variable \(name) (\(relocation.type)); hotpatch cannot "
                    + "place TLS references: keep the state in an ordinary variable")
        case .abs32s where bound && target.isFixedAddress:
            return  // a fixed-address target symbol always fits a sign-extended 32-bit field
        case _ where ELFRelocationType.placeable.contains(relocation.type) && relocation.type != .abs32s:
            return
        default:
            throw PatchCreationError(
                "\(unit.path): \(section.name) refers to \(name) with \(relocation.type), which the agent cannot place "
                    + "in patch memory; recompile with -fPIC")
        }
    }
}
