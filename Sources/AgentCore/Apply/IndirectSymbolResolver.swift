import Shared

/// Finds what a running process resolved for an IFUNC (`STT_GNU_IFUNC`), never the resolver:
/// the value the dynamic linker stored in a GOT slot that names the symbol in one of the loaded
/// modules (`GLOB_DAT`, `JUMP_SLOT`), or the defining module's own `R_X86_64_IRELATIVE` slot
/// whose addend is the IFUNC's resolver (glibc's internal calls to `strlen` use those). A lazy
/// `JUMP_SLOT` not yet resolved holds its module's PLT stub, which resolves on first call: still
/// the same implementation. No slot at all: refused, naming the symbol.
struct IndirectSymbolResolver {
    /// One module of the process, parsed once.
    struct Module {
        let module: LoadedModule
        let elf: ELFFile
        let bias: UInt64
    }

    let process: TargetProcess
    /// The process's modules, in load order.
    let modules: [Module]

    /// The process address of the implementation chosen for IFUNC `name` of `modules[definer]`,
    /// whose resolver is at `resolver` (as linked).
    func resolve(_ name: String, resolver: UInt64, definer: Int, memory: RemoteMemory) throws(AgentFailure)
        -> UInt64
    {
        let defining = modules[definer]
        var candidates: [RemoteAddress] = []
        // The defining module's own slot for this very resolver: exactly this IFUNC.
        candidates += slots(in: defining) { type, symbol, addend in type == 37 && addend == resolver }.map {
            RemoteAddress(defining.bias &+ $0)
        }
        for module in modules {
            candidates += slots(in: module) { type, symbol, _ in (type == 6 || type == 7) && symbol == name }
                .map {
                    RemoteAddress(module.bias &+ $0)
                }
        }
        for slot in candidates {
            let value = try memory.readWord(slot)
            if value != 0 { return value }
        }
        throw AgentFailure(
            .badPatch,
            "\(process): patch calls \(name), an IFUNC of \(defining.module.path) whose implementation the process "
                + "chose at load time, and no module of the process keeps that choice in a GOT slot (none imports "
                + "\(name)); the agent binds an IFUNC only to what the process resolved, never to its resolver: "
                + "recreate the patch with hotpatch create against this build, or call it through a function the "
                + "target already calls")
    }

    /// Offsets (as linked) of the slots whose dynamic relocation passes `test(type, symbol name, addend)`.
    private func slots(in module: Module, where test: (UInt32, String, UInt64) -> Bool) -> [UInt64] {
        let symbols = (try? module.elf.dynamicSymbols()) ?? []
        var found: [UInt64] = []
        for table in module.elf.sections where table.type == .rela && table.flags.contains(.alloc) {
            for relocation in (try? module.elf.relocations(in: table)) ?? [] {
                let name =
                    relocation.symbolIndex > 0 && relocation.symbolIndex < symbols.count
                    ? symbols[relocation.symbolIndex].name : ""
                if test(relocation.type.rawValue, name, UInt64(bitPattern: relocation.addend)) {
                    found.append(relocation.offset)
                }
            }
        }
        return found.sorted()
    }
}
