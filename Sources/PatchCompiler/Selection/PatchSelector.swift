import Shared

/// Decides what a relocatable patch carries: the changed functions (found exactly by
/// ``FunctionComparer``, or named with --function), the new functions and data they reach, and
/// which references bind to the target's existing symbols. Refuses what the agent cannot do.
struct PatchSelector {
    let target: TargetModule
    let units: [ObjectUnit]
    let libraries: LibraryResolver
    /// How references bind (existing symbols, IFUNC slots, by name).
    let binder: TargetBinder
    let namedFunctions: Set<String>?

    /// A carried section still to walk, and the function that brought it in.
    typealias Pending = (unit: Int, section: Int, by: String)

    func select() throws -> PatchSelection {
        var selection = PatchSelection()
        // Step 0: function-scope statics paired with the target's by the functions that use them.
        selection.statics = try units.map { unit in
            try StaticLocals(target: target, unit: unit, names: NumberedNames(target: target, unit: unit))
        }
        selection.changedConstants = try checkExistingVariables(statics: selection.statics)
        // Step 1: every function family that exists in the target: changed or not.
        let verdicts = try compareFamilies(statics: selection.statics)
        var worklist = try decide(verdicts, into: &selection)
        try redirectTinyFunctions(&selection, verdicts: verdicts, worklist: &worklist)
        guard !selection.replacements.isEmpty else { throw nothingToPatch(verdicts, selection: selection) }
        if let hint = try picModeHint() { selection.decisions.append(hint) }
        // Step 2: statics pointing inside a replaced function travel with it (computed-goto
        // tables); then follow references from what is included, carrying new code and data.
        // Unwind info of what is carried may carry more (exception tables): follow those too.
        for index in units.indices {
            let sections = Set(selection.carried.filter { $0.object == index }.map(\.section))
            try selection.statics[index].carryStatics(pointingInto: sections, of: units[index])
        }
        repeat {
            while let (index, sectionIndex, by) = worklist.popLast() {
                worklist += try follow(unit: index, section: sectionIndex, by: by, into: &selection)
            }
            worklist = try unwindReferences(into: &selection)
        } while !worklist.isEmpty
        // Step 3: say which new functions nothing included reaches (they stay out).
        noteUnreachedNewFunctions(in: &selection)
        try refuseCarriedIndirectFunctions(selection)
        return selection
    }

    /// Step 1's verdicts as decisions: a changed (or named) family is included and queued to
    /// follow; an identical one is left out, saying why.
    private func decide(_ verdicts: [FamilyVerdict], into selection: inout PatchSelection) throws -> [Pending] {
        var worklist: [Pending] = []
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
                selection.decisions.append(.init(verdict: .leftOut, name: name, reason: why))
                continue
            }
            include(verdict, reason: reason, into: &selection, worklist: &worklist)
        }
        return worklist
    }

    /// New functions of the objects that nothing included reaches: they stay out, said once each.
    private func noteUnreachedNewFunctions(in selection: inout PatchSelection) {
        for (index, unit) in units.enumerated() {
            for function in unit.functions
            where !unit.isAlias(function)
                && !selection.carried.contains(.init(object: index, section: Int(function.sectionIndex)))
                && !selection.decisions.contains(where: { $0.name == function.name })
                && !GCCName.isPart(function.name) && !function.name.hasSuffix(".localalias")
            {
                selection.decisions.append(
                    .init(
                        verdict: .leftOut, name: function.name,
                        reason: "new in the object, but no included function calls it"))
            }
        }
    }

    /// Includes a family: a replacement of its root, its new parts carried as new code (never
    /// bound to the old parts), its sections queued to follow.
    func include(
        _ verdict: FamilyVerdict, reason: String, into selection: inout PatchSelection,
        worklist: inout [Pending]
    ) {
        let name = verdict.family.root.name
        selection.decisions.append(.init(verdict: .included, name: name, reason: reason))
        for member in verdict.family.members {
            selection.carried.insert(.init(object: verdict.unit, section: Int(member.sectionIndex)))
        }
        selection.replacements.append(
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

    private var identicalReason: String {
        namedFunctions == nil ? "identical to the target's once linked there" : "not named with --function"
    }

}
