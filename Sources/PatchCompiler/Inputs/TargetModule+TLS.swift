import Shared

extension TargetModule {
    /// Whether an object's TLS reference reaches, in the target's bytes, the same variable: general
    /// and local dynamic as a shared-library target keeps them, initial exec of another module's
    /// variable (the rest of an executable's TLS is relaxed by ``TLSRelaxation`` before comparing). `reached` is where the target's PC-relative field points
    /// (the GOT pair, for TLSGD/TLSLD); `field` is the target's 32-bit field (for DTPOFF32).
    /// Called by ``FunctionComparer``.
    func reachesSameThreadLocal(
        _ type: ELFRelocationType, symbol: ELFSymbol, addend: Int64, sourceFile: String?, reached: UInt64,
        field: Int64
    ) throws -> Bool {
        switch type {
        case .tlsgd:
            guard let owner = tlsModuleSlots[reached] else { return false }
            if !owner.isEmpty { return owner == symbol.name }
            // A module-local pair: its second word is the variable's offset in the module's block.
            guard let offset = try blockOffset(of: symbol, sourceFile: sourceFile) else { return false }
            return try word(at: reached + 8) == offset
        case .tlsld:
            guard tlsModuleSlots[reached] == "" else { return false }
            return try word(at: reached + 8) == 0
        case .gottpoff:
            // Initial exec of another module's variable: the same TPOFF64 slot.
            return tpoffSlots[symbol.name] == reached
        case .dtpoff32:
            guard let offset = try blockOffset(of: symbol, sourceFile: sourceFile) else { return false }
            return field == Int64(bitPattern: offset) &+ addend
        default:
            return false
        }
    }

    /// The target's own TLS GOT pair (`DTPMOD64`, offset) a general dynamic (`.tlsgd`) or local
    /// dynamic (`.tlsld`) reference to `symbol` goes through in a shared library: the pair naming
    /// the variable, a module-local pair holding its offset, or the module's local-dynamic pair.
    func threadLocalPair(_ model: ELFRelocationType, of symbol: ELFSymbol, sourceFile: String?) throws
        -> UInt64?
    {
        let slots = tlsModuleSlots.keys.sorted()
        switch model {
        case .tlsgd:
            if let named = slots.first(where: { tlsModuleSlots[$0] == symbol.name }) { return named }
            guard let offset = try blockOffset(of: symbol, sourceFile: sourceFile) else { return nil }
            return slots.first { tlsModuleSlots[$0] == "" && (try? word(at: $0 + 8)) == offset }
        case .tlsld:
            return slots.first { tlsModuleSlots[$0] == "" && (try? word(at: $0 + 8)) == 0 }
        default:
            return nil
        }
    }

    /// The offset of the target's thread-local variable named like `symbol` in the module's TLS block.
    func blockOffset(of symbol: ELFSymbol, sourceFile: String?) throws -> UInt64? {
        guard symbol.type != .section,
            let definition = try definition(of: symbol.name, sourceFile: sourceFile),
            definition.symbol.type == .tls
        else { return nil }
        return definition.symbol.value
    }

    /// The 8 bytes at `address` in the target's file image (a GOT word as linked).
    private func word(at address: UInt64) throws -> UInt64 {
        try bytes(at: address, count: 8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
