import Shared

/// Decides what a relocatable patch carries: the changed functions (found exactly by
/// ``FunctionComparer``, or named with --function), the new functions and data they reach, and
/// which references bind to the target's existing symbols. Refuses what the agent cannot do.
struct PatchPlanner {
    let target: TargetModule
    let units: [ObjectUnit]
    let libraries: LibraryResolver
    /// How references bind (existing symbols, IFUNC slots, by name).
    let binder: TargetBinder
    let namedFunctions: Set<String>?

    func plan() throws -> PatchPlan {
        var plan = PatchPlan()
        // Step 0: function-scope statics paired with the target's by the functions that use them.
        plan.statics = try units.map { unit in
            try StaticLocals(target: target, unit: unit, names: NumberedNames(target: target, unit: unit))
        }
        plan.changedConstants = try checkExistingVariables(statics: plan.statics)
        var worklist: [(unit: Int, section: Int, by: String)] = []
        // Step 1: every function family that exists in the target: changed or not.
        let verdicts = try compareFamilies(statics: plan.statics)
        let named = try namedFunctions.map { try resolve($0, among: verdicts) }
        for verdict in verdicts {
            let name = verdict.family.root.name
            let reason: String?
            if let named {
                reason = named.contains(name) ? "named with --function" : nil
            } else {
                reason = verdict.difference
            }
            guard let reason else {
                let why =
                    verdict.lineShift.map {
                        "only a __LINE__ constant changed, \($0.old) -> \($0.new); name it with --function to include it"
                    } ?? identicalReason
                plan.decisions.append(.init(verdict: .leftOut, name: name, reason: why))
                continue
            }
            include(verdict, reason: reason, into: &plan, worklist: &worklist)
        }
        try redirectTinyFunctions(&plan, verdicts: verdicts, worklist: &worklist)
        guard !plan.replacements.isEmpty else {
            if target.elf.section(named: ".symtab") == nil {
                throw PatchCreationError(
                    "\(target.path) is stripped (no .symtab) and none of the objects' functions is in its .dynsym: "
                        + "pass its debug file with --debug-file")
            }
            let moved = verdicts.filter { $0.lineShift != nil }.map(\.family.root.name)
            if !moved.isEmpty {
                throw PatchCreationError(
                    "nothing changed but __LINE__ constants (in \(moved.joined(separator: ", "))): the fix moved lines, "
                        + "no code changed; nothing to patch (name a function with --function to include it anyway)"
                )
            }
            let compared = plan.decisions.filter { $0.verdict == .leftOut }.count
            throw PatchCreationError(
                "nothing changed: \(compared == 1 ? "the one function" : "all \(compared) functions") of "
                    + "\(units.map(\.path).joined(separator: ", ")) that \(target.path) also has "
                    + "\(compared == 1 ? "is" : "are") identical to the target's once linked there; nothing to patch (if the fix "
                    + "is in another file, pass that file's object; compile it with the target's flags and PIC mode plus "
                    + "-ffunction-sections -fdata-sections)")
        }
        if let hint = try picModeHint() { plan.decisions.append(hint) }
        // Step 2: statics pointing inside a replaced function travel with it (computed-goto
        // tables); then follow references from what is included, carrying new code and data.
        // Unwind info of what is carried may carry more (exception tables): follow those too.
        for index in units.indices {
            let sections = Set(
                plan.carried.filter { $0.object == index }.map(\.section))
            try plan.statics[index].carryStatics(pointingInto: sections, of: units[index])
        }
        repeat {
            while let (index, sectionIndex, by) = worklist.popLast() {
                worklist += try follow(unit: index, section: sectionIndex, by: by, into: &plan)
            }
            worklist = try unwindReferences(into: &plan)
        } while !worklist.isEmpty
        // Step 3: say which new functions nothing included reaches (they stay out).
        for (index, unit) in units.enumerated() {
            for function in unit.functions
            where !unit.isAlias(function)
                && !plan.carried.contains(.init(object: index, section: Int(function.sectionIndex)))
                && !plan.decisions.contains(where: { $0.name == function.name })
                && !GCCName.isPart(function.name) && !function.name.hasSuffix(".localalias")
            {
                plan.decisions.append(
                    .init(
                        verdict: .leftOut, name: function.name,
                        reason: "new in the object, but no included function calls it"))
            }
        }
        try refuseCarriedIndirectFunctions(plan)
        return plan
    }

    /// Includes a family: a replacement of its root, its new parts carried as new code (never
    /// bound to the old parts), its sections queued to follow.
    func include(
        _ verdict: FamilyVerdict, reason: String, into plan: inout PatchPlan,
        worklist: inout [(unit: Int, section: Int, by: String)]
    ) {
        let name = verdict.family.root.name
        plan.decisions.append(.init(verdict: .included, name: name, reason: reason))
        for member in verdict.family.members {
            plan.carried.insert(.init(object: verdict.unit, section: Int(member.sectionIndex)))
        }
        plan.replacements.append(
            .init(
                object: verdict.unit, newSymbol: name, oldAddress: verdict.old.address,
                oldSize: verdict.old.symbol.size, oldName: verdict.old.symbol.name,
                oldParts: verdict.oldParts.map {
                    FunctionPart(address: $0.address, size: $0.symbol.size, name: $0.symbol.name)
                }))
        for member in verdict.family.members {
            worklist.append((verdict.unit, Int(member.sectionIndex), name))
        }
    }

    /// The object functions the `--function` names stand for (C, mangled or demangled C++, bare
    /// names, clones included); refuses a name that matches none or several source functions.
    private func resolve(_ requests: Set<String>, among verdicts: [FamilyVerdict]) throws -> Set<String> {
        let resolver = try FunctionNameResolver(symbols: verdicts.map(\.family.root.name))
        var names = Set<String>()
        for request in requests.sorted() {
            // A part (`X.cold`, `X.part.0`) is replaced only with its function.
            var root = request
            while let parent = GCCName.parent(of: root) { root = parent }
            let found =
                try resolver.resolve(request).isEmpty ? resolver.resolve(root) : resolver.resolve(request)
            guard !found.isEmpty else {
                throw PatchCreationError(
                    "--function \(request): no function of that name is in both the objects and \(target.path) (give "
                        + "the C name, the C++ name as `ns::f(int)` or `ns::f`, a bare name that is unique, or the "
                        + "symbol)")
            }
            names.formUnion(found)
        }
        return names
    }

    /// An IFUNC whose resolver the patch carries would be bound, in the patch, to the resolver
    /// itself; and a running process keeps the implementation its resolver chose at load time.
    private func refuseCarriedIndirectFunctions(_ plan: PatchPlan) throws {
        for (index, unit) in units.enumerated() {
            for symbol in unit.symbols where symbol.type == .gnuIndirectFunction && symbol.isDefined {
                guard plan.carried.contains(.init(object: index, section: Int(symbol.sectionIndex))) else {
                    continue
                }
                let resolver = try unit.function(inSection: Int(symbol.sectionIndex))?.name ?? "its resolver"
                throw PatchCreationError(
                    "\(unit.path): the fix changes \(resolver), the resolver of IFUNC \(symbol.name); a running "
                        + "process keeps the implementation its resolver chose at load time and hotpatch never calls a "
                        + "resolver: patch the implementations instead, or restart with the new build")
            }
        }
    }

    /// A hint when an executable's fix was compiled with -fPIC: GCC then loads the target's own
    /// globals through the GOT and stops inlining its functions, so unchanged code differs.
    private func picModeHint() throws -> PatchPlan.Decision? {
        guard target.elf.section(named: ".interp") != nil || target.isFixedAddress else { return nil }
        for unit in units {
            for section in unit.elf.sections where section.flags.contains(.execute) {
                for relocation in try unit.elf.relocations(for: section)
                where [.gotpcrel, .gotpcrelx, .rexGotpcrelx].contains(relocation.type)
                    && relocation.symbolIndex < unit.symbols.count
                {
                    let symbol = unit.symbols[relocation.symbolIndex]
                    // Variables only: -fPIE code loads function addresses from the GOT too.
                    guard !symbol.name.isEmpty, symbol.binding != .local,
                        let definition = try? target.definition(of: symbol.name, sourceFile: unit.sourceFile),
                        definition.symbol.value != 0, definition.symbol.type == .object
                    else { continue }
                    return .init(
                        verdict: .hint, name: "compile the fix with -fPIE, the target's mode",
                        reason: "\(unit.path) loads \(symbol.name) through the GOT as -fPIC code does, but "
                            + "\(target.path) is an executable that defines it; -fPIC code of unchanged functions "
                            + "differs from the target's")
                }
            }
        }
        return nil
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
            // What the patch carries (a replaced function, its part, new code or data) is used as
            // carried, never bound to the target's copy.
            let carriedHere =
                symbol.isDefined && symbol.sectionIndex < 0xff00
                && plan.carried.contains(.init(object: index, section: Int(symbol.sectionIndex)))
            let bound: TargetModule.Definition?
            switch carriedHere ? .new : plan.staticCounterpart(object: index, symbol: symbol) {
            case .existing(let definition): bound = definition
            case .new: bound = nil
            case nil:
                bound =
                    try symbol.type == .section
                    ? nil : target.definition(of: symbol.name, sourceFile: unit.sourceFile)
            }
            try checkPlaceable(relocation, symbol: symbol, bound: bound != nil, in: section, of: unit)
            let indirect = try binder.reason(for: symbol, sourceFile: unit.sourceFile)
            if let bound {
                let decision = PatchPlan.Decision(
                    verdict: .binds, name: symbol.name,
                    reason: indirect
                        ?? "existing \(kind(bound.symbol))"
                        + (bound.symbol.name == symbol.name ? "" : " \(bound.symbol.name)")
                        + " at \(bound.address)")
                if !plan.decisions.contains(decision) { plan.decisions.append(decision) }
                continue
            }
            if let indirect {
                let decision = PatchPlan.Decision(verdict: .binds, name: symbol.name, reason: indirect)
                if !plan.decisions.contains(decision) { plan.decisions.append(decision) }
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
