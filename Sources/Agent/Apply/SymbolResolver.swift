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
        var bindings: [String: ModuleAddress] = [:]
        for binding in patch.targetBindings { bindings[binding.symbol] = binding.address }
        var resolved: [Int: UInt64] = [:]
        var byName: [String: UInt64]? = nil
        for symbol in patch.undefinedSymbols {
            if let address = bindings[symbol.name] {
                resolved[symbol.index] = address.remote(bias: targetBias).rawValue
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

    /// The first definition of each wanted name among the modules' `.dynsym`, in load order.
    private func exportedSymbols(wanted: Set<String>, memory: RemoteMemory) throws(AgentFailure) -> [String:
        UInt64]
    {
        var found: [String: UInt64] = [:]
        for module in modules where found.count < wanted.count {
            let elf: ELFFile
            do {
                elf = try ELFFile(bytes: try module.fileBytes())
            } catch let failure as AgentFailure {
                throw failure
            } catch {
                continue  // not an ELF file we can read (e.g. a data file mapped executable): skip it
            }
            let bias = try module.bias(memory: memory)
            guard let symbols = try? elf.dynamicSymbols() else { continue }
            let hidden = hiddenVersions(elf, count: symbols.count)
            for symbol in symbols where wanted.contains(symbol.name) && found[symbol.name] == nil {
                guard symbol.isDefined, symbol.binding != .local,
                    symbol.sectionIndex != ELFSymbol.absoluteSection,
                    !hidden.contains(symbol.index)
                else { continue }
                if symbol.type == .gnuIndirectFunction {
                    throw AgentFailure(
                        .badPatch,
                        "patch calls \(symbol.name), an IFUNC of \(module.path) whose implementation is chosen at "
                            + "load time; the agent cannot bind it yet: call it through a function pointer "
                            + "variable of the target, or avoid it in the fix")
                }
                found[symbol.name] = symbol.value &+ bias
            }
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
