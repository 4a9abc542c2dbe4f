import Shared

/// Decides how a symbol the patch's code refers to binds in the running process: at an existing
/// symbol of the target, through a slot of the target whose value the process filled (IFUNCs:
/// what the resolver chose, never the resolver), or by name in the process's libraries (left to
/// the agent). Refuses, naming the symbol, what the process cannot be made to agree on.
struct TargetBinder {
    let target: TargetModule
    /// The IFUNCs of the target's libraries, and whether the agent can find their resolution.
    let indirect: IndirectFunctionIndex
    /// For a shared-library target: how the objects reach each thread-local variable (`.tlsgd` or
    /// `.tlsld`; `.none` when both, which one binding cannot serve).
    var threadLocalModels: [String: ELFRelocationType] = [:]

    /// The target's TLS GOT pair a library's thread-local `symbol` binds to (nil: not bindable).
    func libraryPair(of symbol: ELFSymbol, sourceFile: String?) throws -> ModuleAddress? {
        guard !(try TLSRelaxation.isExecutable(target.elf)), let model = threadLocalModels[symbol.name],
            model != .none
        else { return nil }
        return try target.threadLocalPair(model, of: symbol, sourceFile: sourceFile).map { ModuleAddress($0) }
    }

    /// Where `symbol` binds: nil for "carried or left to the agent by name".
    func site(of symbol: ELFSymbol, sourceFile: String?) throws -> (
        address: ModuleAddress, kind: TargetBinding.Kind
    )? {
        guard symbol.type != .section, !symbol.name.isEmpty else { return nil }
        if let definition = try target.definition(of: symbol.name, sourceFile: sourceFile) {
            if definition.symbol.type == .tls {
                if let pair = try libraryPair(of: symbol, sourceFile: sourceFile) { return (pair, .address) }
                // Its value is an offset in the TLS block, not an address: only TLSRelaxation binds it.
                throw PatchCreationError(
                    "thread-local variable \(symbol.name) of \(target.path) is referenced in a way hotpatch cannot "
                        + "bind (its symbol value is a TLS offset, not an address): keep the state in an ordinary variable"
                )
            }
            guard definition.symbol.type == .gnuIndirectFunction else {
                return (definition.address, .address)
            }
            return (try ownIndirectSlot(of: definition), .slotValue)
        }
        if symbol.type == .tls {
            if let pair = try libraryPair(of: symbol, sourceFile: sourceFile) { return (pair, .address) }
            // Another module's variable, reached (initial exec) through the target's TPOFF64 slot.
            return target.tpoffSlots[symbol.name].map { (ModuleAddress($0), .address) }
        }
        guard !symbol.isDefined, indirect.isIndirect(symbol.name) else { return nil }
        if let slot = importSlot(of: symbol.name) { return (slot, .slotValue) }
        guard indirect.isResolvableInProcess(symbol.name) else {
            throw PatchCreationError(
                "the fix calls \(symbol.name), an IFUNC of \(indirect.definer(of: symbol.name) ?? "a library") whose "
                    + "implementation the process chooses at load time; neither \(target.path) nor its libraries "
                    + "hold a slot with that choice, so the patch cannot bind it: call a function the target "
                    + "already calls instead (e.g. through a wrapper the target defines)")
        }
        return nil
    }

    /// The line `create` prints for an IFUNC or another module's TLS variable (nil for every other symbol).
    func reason(for symbol: ELFSymbol, sourceFile: String?) throws -> String? {
        if symbol.type == .tls, let pair = try libraryPair(of: symbol, sourceFile: sourceFile) {
            return
                "thread-local variable: each thread's own, through \(target.path)'s TLS GOT pair at \(pair) "
                + "(__tls_get_addr)"
        }
        if symbol.type == .tls, !symbol.isDefined, let slot = target.tpoffSlots[symbol.name] {
            return "thread-local variable of another module: each thread's own, through the target's TPOFF64 "
                + "slot at \(ModuleAddress(slot)) (initial exec)"
        }
        let site = try site(of: symbol, sourceFile: sourceFile)
        if let site, site.kind == .slotValue {
            let whose = target.definitions[symbol.name] != nil ? "the target's own IFUNC" : "IFUNC"
            return
                "\(whose): what the process resolved, read at apply from the target's GOT slot at \(site.address)"
        }
        guard site == nil, !symbol.isDefined, indirect.isIndirect(symbol.name) else { return nil }
        return
            "IFUNC of \(indirect.definer(of: symbol.name) ?? "a library"): what the process resolved, found by "
            + "the agent in the GOT slots of the process's modules"
    }

    /// The target's IRELATIVE slot for its own IFUNC (the slot its PLT entry jumps through).
    private func ownIndirectSlot(of definition: TargetModule.Definition) throws -> ModuleAddress {
        let slots = target.irelativeSlots.filter { $0.value == definition.symbol.value }.keys.sorted()
        guard let slot = slots.first else {
            throw PatchCreationError(
                "the fix calls \(definition.symbol.name), an IFUNC of \(target.path) that the target itself never "
                    + "calls or takes the address of, so no slot holds the implementation its resolver chose: "
                    + "hotpatch binds an IFUNC only to what the process resolved, never to its resolver")
        }
        return ModuleAddress(slot)
    }

    /// The target's own GOT slot for an imported symbol (lowest address when there are several).
    private func importSlot(of name: String) -> ModuleAddress? {
        target.gotSymbols.filter { $0.value == name && target.irelativeSlots[$0.key] == nil }.keys.min().map {
            ModuleAddress($0)
        }
    }
}
