import Shared

/// What the selector refuses or warns about as a whole: nothing to patch, carried IFUNC
/// resolvers, a fix compiled in the wrong PIC mode.
extension PatchSelector {
    /// Why a patch that would replace nothing is refused: stripped target, only moved lines, or
    /// every function identical.
    func nothingToPatch(_ verdicts: [FamilyVerdict], selection: PatchSelection) -> PatchCreationError {
        if target.elf.section(named: ".symtab") == nil {
            return PatchCreationError(
                "\(target.path) is stripped (no .symtab) and none of the objects' functions is in its .dynsym: "
                    + "pass its debug file with --debug-file")
        }
        let moved = verdicts.filter { $0.lineShift != nil }.map(\.family.root.name)
        if !moved.isEmpty {
            return PatchCreationError(
                "nothing changed but __LINE__ constants (in \(moved.joined(separator: ", "))): the fix moved lines, "
                    + "no code changed; nothing to patch (name a function with --function to include it anyway)"
            )
        }
        let compared = selection.decisions.filter { $0.verdict == .leftOut }.count
        return PatchCreationError(
            "nothing changed: \(compared == 1 ? "the one function" : "all \(compared) functions") of "
                + "\(units.map(\.path).joined(separator: ", ")) that \(target.path) also has "
                + "\(compared == 1 ? "is" : "are") identical to the target's once linked there; nothing to patch (if the fix "
                + "is in another file, pass that file's object; compile it with the target's flags and PIC mode plus "
                + "-ffunction-sections -fdata-sections)")
    }

    /// An IFUNC whose resolver the patch carries would be bound, in the patch, to the resolver
    /// itself; and a running process keeps the implementation its resolver chose at load time.
    func refuseCarriedIndirectFunctions(_ selection: PatchSelection) throws {
        for (index, unit) in units.enumerated() {
            for symbol in unit.symbols where symbol.type == .gnuIndirectFunction && symbol.isDefined {
                guard selection.carried.contains(.init(object: index, section: Int(symbol.sectionIndex))) else {
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
    func picModeHint() throws -> PatchSelection.Decision? {
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

}
