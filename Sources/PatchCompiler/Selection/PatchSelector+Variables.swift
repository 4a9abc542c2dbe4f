import Shared

extension PatchSelector {
    /// Every variable of the objects that the target already has must start with the target's
    /// value, relocations resolved (``VariableComparer``): the patch then binds to the running
    /// process's variable, which holds the live state. A changed initializer is refused, because
    /// the process keeps its own value; a changed C++ vague-linkage object (vtable, typeinfo,
    /// guard, COMDAT data) is refused too, because a second copy breaks identity (virtual calls
    /// through old objects, `dynamic_cast`, exception matching). Variables the target lacks are
    /// new data, carried when an included function reaches them.
    /// Static locals (`counter.1`) are the target's static their users reach (`statics`), never
    /// the one with the same number.
    /// A changed file-local read-only constant (`static const int primes[]` in `.rodata`) holds no
    /// state: it becomes new data, and every function of its file that reads it counts as changed
    /// (returned per object as symbol indices: ``PatchSelection/changedConstants``, so nothing binds to
    /// the old copy).
    func checkExistingVariables(statics: [StaticLocals]) throws -> [Set<Int>] {
        let pointers = try TargetPointers(target: target)
        var changed: [Set<Int>] = []
        for (index, unit) in units.enumerated() {
            let comparer = VariableComparer(target: target, pointers: pointers, unit: unit)
            var changedConstants: Set<Int> = []
            for variable in unit.variables where !VagueLinkage.isPersonalityReference(variable.name) {
                let counterpart: TargetModule.Definition?
                switch statics[index].counterparts[variable.index] {
                case .existing(let definition): counterpart = definition
                case .new: counterpart = nil
                case nil: counterpart = try target.definition(of: variable.name, sourceFile: unit.sourceFile)
                }
                guard let old = counterpart,
                    old.symbol.type == .object || old.symbol.type == .tls || old.symbol.type == .none,
                    let difference = try comparer.difference(variable: variable, old: old)
                else { continue }
                guard try isReplaceableConstant(variable, in: unit) else {
                    throw refusal(variable, in: unit, old: old, difference)
                }
                changedConstants.insert(variable.index)
            }
            changed.append(changedConstants)
        }
        return changed
    }

    /// Whether a changed variable can be carried as a new copy: read-only (its section is neither
    /// writable nor zero-filled), seen only by its own file (local binding), and no C++
    /// vague-linkage object (a second vtable or typeinfo breaks identity). Constant tables of
    /// pointers (`.data.rel.ro`: ops structs, handler tables) stay refused: running objects
    /// commonly hold pointers into them (`conn->ops = &disk_ops`), which a new copy would not
    /// reach.
    private func isReplaceableConstant(_ variable: ELFSymbol, in unit: ObjectUnit) throws -> Bool {
        let section = try unit.section(Int(variable.sectionIndex))
        let readOnly =
            !section.flags.contains(.write) && section.type != .nobits && !section.flags.contains(.tls)
        let vague = try VagueLinkage.kind(of: variable, in: unit) != nil
        return variable.binding == .local && readOnly && !vague
    }

    /// The refusal for an existing variable whose initial value changed, naming the place.
    private func refusal(
        _ variable: ELFSymbol, in unit: ObjectUnit, old: TargetModule.Definition,
        _ difference: VariableComparer.Difference
    ) -> PatchCreationError {
        if let kind = try? VagueLinkage.kind(of: variable, in: unit) {
            let place = VagueLinkage.place(difference.offset, inObjectOfKind: kind)
            return PatchCreationError(
                "\(unit.path): the C++ \(kind) \(variable.name) differs from the target's (at \(old.address)) at "
                    + "\(place): \(difference.detail); the running process must keep its one copy (virtual calls, "
                    + "dynamic_cast and exceptions compare it), so hotpatch cannot change it: keep the class's "
                    + "virtual functions and layout as they are and change only function bodies, or restart with "
                    + "the new build")
        }
        let section = try? unit.section(Int(variable.sectionIndex))
        if let section, !section.flags.contains(.write), section.type != .nobits, variable.binding != .local {
            return PatchCreationError(
                "\(unit.path): the existing constant \(variable.name) changed at +\(difference.offset): "
                    + "\(difference.detail) (the target's is at \(old.address)); it is global, so code in other files "
                    + "reads the running copy and a new copy would leave them reading the old: make it static to "
                    + "this file (then the patch carries the new constant with its readers) or move the change into code"
            )
        }
        return PatchCreationError(
            "\(unit.path): the initializer of existing variable \(variable.name) changed at +\(difference.offset): "
                + "\(difference.detail) (the target's is at \(old.address)); a running process keeps its own value: "
                + "move the data change into code (assign it in a patched function) or restart with the new build"
        )
    }
}

/// C++ vague linkage: objects every object file that needs them emits (in COMDAT groups, weak or
/// `STB_GNU_UNIQUE`), of which the linked program keeps exactly one.
enum VagueLinkage {
    /// What kind of vague-linkage object `symbol` is (by its Itanium mangling or its COMDAT
    /// section), or nil for an ordinary variable.
    static func kind(of symbol: ELFSymbol, in unit: ObjectUnit) throws -> String? {
        let prefixes = [
            ("_ZTV", "vtable"), ("_ZTT", "VTT"), ("_ZTI", "typeinfo"), ("_ZTS", "typeinfo name"),
            ("_ZGV", "guard variable"),
        ]
        if let (_, kind) = prefixes.first(where: { symbol.name.hasPrefix($0.0) }) { return kind }
        let inGroup = try unit.section(Int(symbol.sectionIndex)).flags.contains(.group)
        return inGroup || symbol.binding == .weak || symbol.binding == .gnuUnique ? "COMDAT object" : nil
    }

    /// Where a difference lies, in the words of the object's layout (vtable slots).
    static func place(_ offset: Int, inObjectOfKind kind: String) -> String {
        guard kind == "vtable" else { return "+\(offset)" }
        switch offset {
        case 0..<8: return "its offset-to-top (+\(offset))"
        case 8..<16: return "its typeinfo pointer (+\(offset))"
        default: return "slot \((offset - 16) / 8) (+\(offset))"
        }
    }

    /// `DW.ref.__gxx_personality_v0` and its kind (`DW.ref._ZTI...` for catch clauses): hidden
    /// COMDAT pointers that `.eh_frame` and `.gcc_except_table` read. Any copy points to the same
    /// routine or typeinfo, so they never refuse anything: each binds to the target's copy when
    /// the target has one, and is carried otherwise.
    static func isPersonalityReference(_ name: String) -> Bool { name.hasPrefix("DW.ref.") }
}
