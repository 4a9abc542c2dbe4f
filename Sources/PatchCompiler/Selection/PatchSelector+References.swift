import Shared

/// Step 2 of the selection: walking the relocations of what is carried, binding each reference
/// to the target's existing symbol or carrying what it names as new code or data.
extension PatchSelector {
    /// Walks one carried section's relocations; returns newly carried code sections to walk.
    func follow(unit index: Int, section sectionIndex: Int, by: String, into selection: inout PatchSelection)
        throws -> [Pending]
    {
        let unit = units[index]
        let section = try unit.section(sectionIndex)
        var more: [Pending] = []
        for relocation in try unit.elf.relocations(for: section) where relocation.type != .none {
            let symbol = try referencedSymbol(relocation, unit: index, section: section, selection: selection)
            let bound = try boundDefinition(of: symbol, unit: index, selection: selection)
            try checkPlaceable(relocation, symbol: symbol, bound: bound != nil, in: section, of: unit)
            let indirect = try binder.reason(for: symbol, sourceFile: unit.sourceFile)
            if let bound {
                note(
                    .binds, symbol.name,
                    indirect
                        ?? "existing \(kind(bound.symbol))"
                        + (bound.symbol.name == symbol.name ? "" : " \(bound.symbol.name)")
                        + " at \(bound.address)", in: &selection)
                continue
            }
            if let indirect { note(.binds, symbol.name, indirect, in: &selection) }
            guard symbol.isDefined else {
                try checkProvided(symbol, unit: unit, by: by)
                continue
            }
            if let pending = try carry(symbol, unit: index, by: by, into: &selection) { more.append(pending) }
        }
        return more
    }

    /// The symbol a relocation names; GAS names local functions by section + offset, so a
    /// section symbol of a function not carried here stands for that function's name.
    private func referencedSymbol(
        _ relocation: ELFRelocation, unit index: Int, section: ELFSection, selection: PatchSelection
    ) throws -> ELFSymbol {
        let unit = units[index]
        guard relocation.symbolIndex < unit.symbols.count else {
            throw PatchCreationError("\(unit.path): relocation in \(section.name) names a missing symbol")
        }
        let symbol = unit.symbols[relocation.symbolIndex]
        if symbol.type == .section,
            let named = PatchBuilder.namedSymbol(
                startingSection: Int(symbol.sectionIndex), in: unit.elf, symbols: unit.symbols),
            !selection.carried.contains(.init(object: index, section: Int(symbol.sectionIndex)))
        {
            return named
        }
        return symbol
    }

    /// The target's definition a reference binds to, or nil when the patch carries what it names
    /// (a replaced function, its part, new code or data: used as carried, never the target's copy).
    private func boundDefinition(of symbol: ELFSymbol, unit index: Int, selection: PatchSelection) throws
        -> TargetModule.Definition?
    {
        let carriedHere =
            symbol.isDefined && symbol.sectionIndex < 0xff00
            && selection.carried.contains(.init(object: index, section: Int(symbol.sectionIndex)))
        switch carriedHere ? .new : selection.staticCounterpart(object: index, symbol: symbol) {
        case .existing(let definition): return definition
        case .new: return nil
        case nil:
            return try symbol.type == .section
                ? nil : target.definition(of: symbol.name, sourceFile: units[index].sourceFile)
        }
    }

    /// Adds a decision once.
    private func note(
        _ verdict: PatchSelection.Decision.Verdict, _ name: String, _ reason: String,
        in selection: inout PatchSelection
    ) {
        let decision = PatchSelection.Decision(verdict: verdict, name: name, reason: reason)
        if !selection.decisions.contains(decision) { selection.decisions.append(decision) }
    }

    /// An undefined reference must be something the target's libraries export (or weak).
    private func checkProvided(_ symbol: ELFSymbol, unit: ObjectUnit, by: String) throws {
        if symbol.sectionIndex == ELFSymbol.commonSection {
            throw PatchCreationError("\(unit.path): \(symbol.name) is a common symbol; recompile with -fno-common")
        }
        guard libraries.exported.contains(symbol.name) || symbol.binding == .weak else {
            throw PatchCreationError(
                "\(unit.path): \(by) uses \(symbol.name), which neither \(target.path) nor its libraries ("
                    + "\(libraryNames)) define; link it into the target or drop the reference")
        }
    }

    /// Carries the section a defined symbol lives in, once: new code is queued to walk, new data
    /// is walked for what it points to. Refuses new thread-local storage.
    private func carry(_ symbol: ELFSymbol, unit index: Int, by: String, into selection: inout PatchSelection)
        throws -> Pending?
    {
        let unit = units[index]
        let ref = PatchBuilder.SectionRef(object: index, section: Int(symbol.sectionIndex))
        guard selection.carried.insert(ref).inserted else { return nil }
        let carriedSection = try unit.section(ref.section)
        if carriedSection.flags.contains(.tls) {
            throw PatchCreationError(
                "\(unit.path): \(by) uses new thread-local variable \(symbol.name.isEmpty ? carriedSection.name : symbol.name); "
                    + "hotpatch cannot add TLS to a running process: keep the state in an existing variable"
            )
        }
        if carriedSection.flags.contains(.execute) {
            let name = try unit.function(inSection: ref.section)?.name ?? carriedSection.name
            selection.decisions.append(.init(verdict: .newFunction, name: name, reason: "called by \(by)"))
            return (index, ref.section, name)
        }
        let name = symbol.name.isEmpty ? carriedSection.name : symbol.name
        let what =
            carriedSection.flags.contains(.strings)
            ? "string literals"
            : (carriedSection.flags.contains(.write) ? "variable" : "read-only data")
        selection.decisions.append(.init(verdict: .newData, name: name, reason: "\(what) used by \(by)"))
        return (index, ref.section, by)
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

    /// Why a thread-local reference left in carried code cannot be bound.
    private func tlsRefusal(
        _ relocation: ELFRelocation, name: String, symbol: ELFSymbol, in section: ELFSection,
        of unit: ObjectUnit
    ) throws -> String {
        let where_ = "\(unit.path): \(section.name) uses thread-local variable \(name) (\(relocation.type))"
        if symbol.isDefined, try target.definition(of: symbol.name, sourceFile: unit.sourceFile) == nil {
            return
                "\(unit.path): \(section.name) uses new thread-local variable \(name); hotpatch cannot add TLS "
                + "to a running process: keep the state in an existing variable"
        }
        guard try TLSRelaxation.isExecutable(target.elf) else {
            return "\(where_); \(target.path) is a shared library: hotpatch binds its TLS through its own GOT pairs, and "
                + "either it has no pair for this variable or the fix reaches it both through general and local "
                + "dynamic (one binding cannot serve both): keep the state in an ordinary variable"
        }
        if try target.definition(of: symbol.name, sourceFile: unit.sourceFile) == nil {
            return
                "\(where_), which \(target.path) does not define (another module's TLS); hotpatch binds only "
                + "the executable's own thread-local variables: keep the state in an ordinary variable"
        }
        if symbol.binding == .local, let dot = symbol.name.lastIndex(of: "."),
            symbol.name[symbol.name.index(after: dot)...].allSatisfy(\.isNumber)
        {
            return "\(where_): a function-scope static thread-local, which GCC numbers per file (several "
                + "\(symbol.name[..<dot]).N here), so hotpatch cannot tell which of the target's it is: give it a name "
                + "unique in the file"
        }
        return
            "\(where_) in a code sequence hotpatch does not recognize (it binds local exec and initial exec as "
            + "gcc emits them with -fPIE, and GD, LD and IE with -fPIC, default TLS dialect): rebuild the fix "
            + "without -mtls-dialect=gnu2"
    }

    /// Refuses relocations the agent cannot place, naming the symbol and the fix.
    private func checkPlaceable(
        _ relocation: ELFRelocation, symbol: ELFSymbol, bound: Bool, in section: ELFSection,
        of unit: ObjectUnit
    ) throws {
        let name = symbol.name.isEmpty ? "section data" : symbol.name
        switch relocation.type {
        case .gottpoff where !symbol.isDefined && target.tpoffSlots[symbol.name] != nil:
            return  // another module's variable: through the target's own TPOFF64 slot
        case _
        where try (relocation.type == .tlsgd || relocation.type == .tlsld)
            && binder.libraryPair(of: symbol, sourceFile: unit.sourceFile) != nil:
            return  // a shared library's dynamic TLS: through the library's own GOT pair
        case .tlsgd, .tlsld, .dtpoff32, .gottpoff, .tpoff32:
            // What TLSRelaxation could bind was rewritten before planning; this is what it could not.
            throw PatchCreationError(
                try tlsRefusal(relocation, name: name, symbol: symbol, in: section, of: unit))
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
