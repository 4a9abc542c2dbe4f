import Shared

/// Binds a patch's undefined symbols to addresses in the running process: first through the
/// patch's target bindings (addresses in the target module, plus its load bias), then by name in
/// the dynamic symbol tables of the process's modules in load order, as the dynamic linker would
/// (default symbol versions preferred). Never binds to a copy: variables resolve to the live ones.
struct SymbolResolver {
    /// The process.
    let process: TargetProcess
    /// Its modules, executable first.
    let modules: [LoadedModule]
    /// The load bias of the patch's target module.
    let targetBias: UInt64

    /// Patch symbol index -> process address, for every undefined symbol the patch uses.
    func resolve(_ patch: PatchFile, memory: RemoteMemory) throws(AgentFailure) -> [Int: UInt64] {
        var bindings: [String: TargetBinding] = [:]
        for binding in patch.targetBindings { bindings[binding.symbol] = binding }
        var resolved: [Int: UInt64] = [:]
        var byName: [String: UInt64]? = nil
        for symbol in patch.undefinedSymbols {
            if let binding = bindings[symbol.name] {
                resolved[symbol.index] = try address(of: binding, memory: memory)
                continue
            }
            if byName == nil {
                byName = try exportedSymbols(wanted: Set(patch.undefinedSymbols.map(\.name)), memory: memory)
            }
            guard let address = byName?[symbol.name] else {
                if symbol.binding == .weak {
                    resolved[symbol.index] = 0  // an absent weak symbol is 0, as the dynamic linker does
                    continue
                }
                throw AgentFailure(
                    .targetMismatch,
                    "\(process): patch symbol \(symbol.name) is not bound by the patch and no loaded module "
                        + "exports it; recreate the patch against this build or load the library that defines it"
                )
            }
            resolved[symbol.index] = address
        }
        return resolved
    }

    /// A target binding's process address: the target symbol plus the load bias, or for a slot
    /// binding (an IFUNC) the address the process's dynamic linker stored in that slot.
    private func address(of binding: TargetBinding, memory: RemoteMemory) throws(AgentFailure) -> UInt64 {
        let place = binding.address.remote(bias: targetBias)
        guard binding.kind == .slotValue else { return place.rawValue }
        let value = try memory.readWord(place)
        guard value != 0 else {
            throw AgentFailure(
                .targetMismatch,
                "\(process): the target's GOT slot at \(place) for \(binding.symbol) is still empty (the dynamic "
                    + "linker has not resolved it); apply again once the process has finished starting")
        }
        return value
    }

    /// The first definition of each wanted name among the modules' `.dynsym`, in load order; an
    /// IFUNC resolves to what the process chose for it (``IndirectSymbolResolver``).
    private func exportedSymbols(wanted: Set<String>, memory: RemoteMemory) throws(AgentFailure) -> [String:
        UInt64]
    {
        var found: [String: UInt64] = [:]
        var loaded: [IndirectSymbolResolver.Module] = []
        var indirect: [(name: String, resolver: UInt64, definer: Int)] = []
        // Every module is read only when an IFUNC needs the slots of all of them.
        for module in modules where found.count < wanted.count || !indirect.isEmpty {
            let elf: ELFFile
            do {
                elf = try ELFFile(bytes: try module.fileBytes())
            } catch let failure as AgentFailure {
                throw failure
            } catch {
                continue  // not an ELF file we can read (e.g. a data file mapped executable): skip it
            }
            let bias = try module.bias(memory: memory)
            loaded.append(.init(module: module, elf: elf, bias: bias))
            guard found.count < wanted.count, let symbols = try? elf.dynamicSymbols() else { continue }
            let hidden = hiddenVersions(elf, count: symbols.count)
            for symbol in symbols where wanted.contains(symbol.name) && found[symbol.name] == nil {
                guard symbol.isDefined, symbol.binding != .local,
                    symbol.sectionIndex != ELFSymbol.absoluteSection,
                    !hidden.contains(symbol.index)
                else { continue }
                if symbol.type == .gnuIndirectFunction {
                    indirect.append((symbol.name, symbol.value, loaded.count - 1))
                    found[symbol.name] = 0  // placeholder: resolved below, once every module is read
                    continue
                }
                found[symbol.name] = symbol.value &+ bias
            }
        }
        let resolver = IndirectSymbolResolver(process: process, modules: loaded)
        for entry in indirect {
            found[entry.name] = try resolver.resolve(
                entry.name, resolver: entry.resolver, definer: entry.definer, memory: memory)
        }
        return found
    }

    /// Indices of symbols whose version is hidden (`foo@OLD` rather than the default `foo@@NEW`).
    private func hiddenVersions(_ elf: ELFFile, count: Int) -> Set<Int> {
        guard let versym = elf.sections.first(where: { $0.type.rawValue == 0x6fff_ffff }),
            let raw = try? elf.contents(of: versym)
        else { return [] }
        let bytes = Array(raw)
        var hidden: Set<Int> = []
        for index in 0..<min(count, bytes.count / 2) where bytes[2 * index + 1] & 0x80 != 0 {
            hidden.insert(index)
        }
        return hidden
    }
}
