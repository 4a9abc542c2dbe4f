import Shared

extension PatchSelector {
    /// What the unwind records of the carried code reach, beyond the code itself: each function's
    /// exception table (`.gcc_except_table.*`, its LSDA) is carried with it, and the CIE's
    /// personality pointer (`DW.ref.__gxx_personality_v0`) binds to the target's copy or is
    /// carried. Returns the newly carried sections, for the caller to follow like code (an
    /// exception table names the typeinfo of what it catches).
    func unwindReferences(into selection: inout PatchSelection) throws -> [(unit: Int, section: Int, by: String)] {
        var more: [(unit: Int, section: Int, by: String)] = []
        for (index, unit) in units.enumerated() {
            for section in unit.elf.sections where section.name == PatchBuilder.unwindSectionName {
                let kept: EHFrameFilter.Output
                do {
                    kept = try EHFrameFilter.filter(
                        bytes: Array(try unit.elf.contents(of: section)),
                        relocations: try unit.elf.relocations(for: section).filter { $0.type != .none }
                    ) { pcBegin in
                        guard pcBegin.symbolIndex < unit.symbols.count else { return false }
                        let code = Int(unit.symbols[pcBegin.symbolIndex].sectionIndex)
                        return selection.carried.contains(.init(object: index, section: code))
                    }
                } catch let error as EHFrameError {
                    throw PatchCreationError(
                        "\(unit.path): \(error); the patch cannot carry its unwind information (recompile the fix "
                            + "with the target's compiler)")
                }
                for relocation in kept.relocations {
                    guard relocation.symbolIndex < unit.symbols.count else {
                        throw PatchCreationError(
                            "\(unit.path): a relocation in .eh_frame names a missing symbol")
                    }
                    let symbol = unit.symbols[relocation.symbolIndex]
                    if let found = try unwindTarget(symbol, unit: index, into: &selection) { more.append(found) }
                }
            }
        }
        return more
    }

    /// One symbol an unwind record refers to: already carried, bound to the target, carried now
    /// (returned), or a library symbol the agent finds by name.
    private func unwindTarget(_ symbol: ELFSymbol, unit index: Int, into selection: inout PatchSelection) throws
        -> (unit: Int, section: Int, by: String)?
    {
        let unit = units[index]
        if symbol.isDefined, selection.carried.contains(.init(object: index, section: Int(symbol.sectionIndex))) {
            return nil
        }
        if symbol.type != .section,
            let bound = try target.definition(of: symbol.name, sourceFile: unit.sourceFile)
        {
            let decision = PatchSelection.Decision(
                verdict: .binds, name: symbol.name,
                reason: "existing variable at \(bound.address) (unwind info)")
            if !selection.decisions.contains(decision) { selection.decisions.append(decision) }
            return nil
        }
        guard symbol.isDefined, symbol.sectionIndex < ELFSymbol.absoluteSection else {
            guard libraries.exported.contains(symbol.name) || symbol.binding == .weak else {
                throw PatchCreationError(
                    "\(unit.path): the unwind information uses \(symbol.name), which neither \(target.path) nor its "
                        + "libraries define; link the target with the same C++ runtime as the fix")
            }
            return nil
        }
        let section = try unit.section(Int(symbol.sectionIndex))
        selection.carried.insert(.init(object: index, section: section.index))
        let what = section.name.hasPrefix(".gcc_except_table") ? "exception table" : "personality pointer"
        selection.decisions.append(
            .init(verdict: .newData, name: section.name, reason: "\(what) of the included code's unwind info")
        )
        return (index, section.index, section.name)
    }
}
