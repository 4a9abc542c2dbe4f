import Shared

/// The IFUNCs (`STT_GNU_IFUNC`) the target's libraries export, and whether a running process
/// holds their resolution somewhere the agent can read it: a GOT slot naming the symbol in some
/// library (`GLOB_DAT`, `JUMP_SLOT`), or the defining library's own `R_X86_64_IRELATIVE` slot
/// whose addend is the IFUNC's resolver (glibc's internal calls to `strlen` go through those).
struct IndirectFunctionIndex {
    /// IFUNC name -> the library that defines it (first in search order, as the dynamic linker binds).
    private(set) var definers: [String: String] = [:]
    /// IFUNCs whose resolution some library keeps in a slot.
    private(set) var resolvable: Set<String> = []

    /// Reads the dynamic symbols and relocations of every library.
    init(libraries: [String]) throws {
        var imported: Set<String> = []
        for path in libraries {
            guard let elf = try? ELFFile(bytes: try FileBytes.read(path)),
                let symbols = try elf.dynamicSymbols()
            else { continue }
            var resolvers: [UInt64: String] = [:]
            for symbol in symbols where symbol.isDefined && symbol.type == .gnuIndirectFunction {
                if definers[symbol.name] == nil { definers[symbol.name] = path }
                resolvers[symbol.value] = symbol.name
            }
            for table in elf.sections where table.type == .rela && table.flags.contains(.alloc) {
                for relocation in try elf.relocations(in: table) {
                    switch relocation.type.rawValue {
                    case 6,
                        7 where relocation.symbolIndex > 0 && relocation.symbolIndex < symbols.count:
                        imported.insert(symbols[relocation.symbolIndex].name)
                    case 37:
                        if let name = resolvers[UInt64(bitPattern: relocation.addend)] {
                            resolvable.insert(name)
                        }
                    default: break
                    }
                }
            }
        }
        resolvable.formUnion(imported.intersection(definers.keys))
    }

    /// Whether a library of the target defines `name` as an IFUNC.
    func isIndirect(_ name: String) -> Bool { definers[name] != nil }

    /// Whether the agent will find the process's resolution of `name` in some library's slot.
    func isResolvableInProcess(_ name: String) -> Bool { resolvable.contains(name) }

    /// The library defining IFUNC `name`, for messages.
    func definer(of name: String) -> String? { definers[name] }
}
