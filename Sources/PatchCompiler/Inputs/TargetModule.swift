import Foundation
import Shared

/// The module a patch is made for (executable or shared library), with what change detection
/// needs: its symbols (grouped by source file for statics), PLT entries and GOT slots by name.
struct TargetModule {
    /// A defined symbol of the target and the source file its `STT_FILE` run says it came from.
    struct Definition: Equatable {
        let symbol: ELFSymbol
        let file: String?
        var address: ModuleAddress { ModuleAddress(symbol.value) }
    }

    let path: String
    let elf: ELFFile
    let buildID: BuildID
    /// Defined function and variable symbols by name (several for statics of several files).
    let definitions: [String: [Definition]]
    /// PLT entry address -> imported symbol name.
    let pltEntries: [UInt64: String]
    /// GOT slot address -> symbol name (GLOB_DAT, JUMP_SLOT, R_X86_64_64), and for an IFUNC the
    /// target defines, its IRELATIVE slot -> the IFUNC's name (the slot holds what its resolver chose).
    let gotSymbols: [UInt64: String]
    /// GOT slot address -> resolver address, for every `R_X86_64_IRELATIVE` slot.
    let irelativeSlots: [UInt64: UInt64]
    /// First slot of each TLS GOT pair (`R_X86_64_DTPMOD64`) -> its variable's name, or "" for a
    /// module-local pair (local dynamic, or a static variable whose offset is the pair's second word).
    let tlsModuleSlots: [UInt64: String]
    /// Another module's thread-local variable -> the target's `R_X86_64_TPOFF64` GOT slot, which the
    /// dynamic linker fills with the variable's offset from the thread pointer (initial exec).
    let tpoffSlots: [String: UInt64]
    /// GOT slot address -> address it holds (R_X86_64_RELATIVE: locally defined symbols in PIE).
    let gotRelative: [UInt64: UInt64]

    /// Loads the target; symbols from `debugFile` when given, else `.symtab`, else `.dynsym`.
    init(path: String, debugFile: String? = nil) throws {
        self.path = path
        elf = try ELFFile(bytes: try FileBytes.read(path))
        guard elf.header.type != .relocatable else {
            throw PatchCreationError(
                "\(path) is a relocatable object, not a linked executable or library; "
                    + "pass the binary as --target and the object as --object")
        }
        guard let buildID = try elf.buildID() else {
            throw PatchCreationError(
                "\(path) has no GNU build-id; relink it with -Wl,--build-id so patches can "
                    + "name the build they fit")
        }
        self.buildID = buildID
        var symbols = try elf.symbolTable() ?? elf.dynamicSymbols() ?? []
        if let debugFile {
            let debug = try ELFFile(bytes: try FileBytes.read(debugFile))
            guard try debug.buildID() == buildID else {
                throw PatchCreationError(
                    "debug file \(debugFile) is for another build than \(path) (build-ids differ)")
            }
            symbols = try debug.symbolTable() ?? symbols
        }
        definitions = TargetModule.group(symbols)
        let slots = try TargetModule.gotSlots(elf)
        (gotRelative, irelativeSlots, tlsModuleSlots) = (slots.relative, slots.irelative, slots.tlsModule)
        tpoffSlots = slots.tpoff
        gotSymbols = slots.named.merging(
            TargetModule.indirectSlotNames(slots.irelative, definitions: definitions),
            uniquingKeysWith: { a, _ in a })
        pltEntries = try TargetModule.pltEntries(elf, gotSymbols: gotSymbols)
    }

    /// Whether this is a non-PIE executable (linked at fixed addresses).
    var isFixedAddress: Bool { elf.header.type == .executable }

    private static func group(_ symbols: [ELFSymbol]) -> [String: [Definition]] {
        var result: [String: [Definition]] = [:]
        var file: String?
        for symbol in symbols.dropFirst() {
            if symbol.type == .file {
                file = symbol.name.isEmpty ? nil : symbol.name
                continue
            }
            guard symbol.isDefined, !symbol.name.isEmpty, symbol.sectionIndex != ELFSymbol.absoluteSection,
                [.function, .object, .none, .gnuIndirectFunction, .tls].contains(symbol.type)
            else { continue }
            // Globals come after every local in .symtab: their file run is meaningless.
            let definition = Definition(symbol: symbol, file: symbol.binding == .local ? file : nil)
            // ld names copy-relocated variables `stdout@GLIBC_2.2.5` in .symtab: the object says `stdout`.
            let name = symbol.name.split(separator: "@", maxSplits: 1).first.map(String.init) ?? symbol.name
            if !(result[name]?.contains { $0.symbol.value == symbol.value } ?? false) {
                result[name, default: []].append(definition)
            }
        }
        return result
    }

    /// Reads the dynamic relocations that fill GOT slots.
    private static func gotSlots(_ elf: ELFFile) throws -> (
        named: [UInt64: String], relative: [UInt64: UInt64], irelative: [UInt64: UInt64],
        tlsModule: [UInt64: String], tpoff: [String: UInt64]
    ) {
        let dynsym = try elf.dynamicSymbols() ?? []
        var tlsModule: [UInt64: String] = [:]
        var tpoff: [String: UInt64] = [:]
        var named: [UInt64: String] = [:]
        var relative: [UInt64: UInt64] = [:]
        var irelative: [UInt64: UInt64] = [:]
        for table in elf.sections where table.type == .rela && table.flags.contains(.alloc) {
            for relocation in try elf.relocations(in: table) {
                switch relocation.type.rawValue {
                case 1, 6, 7:  // R_X86_64_64, GLOB_DAT, JUMP_SLOT
                    if relocation.symbolIndex > 0, relocation.symbolIndex < dynsym.count {
                        named[relocation.offset] = dynsym[relocation.symbolIndex].name
                    }
                case 8:  // RELATIVE
                    relative[relocation.offset] = UInt64(bitPattern: relocation.addend)
                case 37:  // IRELATIVE: the slot gets what the resolver at the addend returns
                    irelative[relocation.offset] = UInt64(bitPattern: relocation.addend)
                case 18:  // TPOFF64: initial exec slot of another module's variable
                    if relocation.symbolIndex > 0, relocation.symbolIndex < dynsym.count,
                        relocation.addend == 0
                    {
                        let name = dynsym[relocation.symbolIndex].name
                        tpoff[name] = min(tpoff[name] ?? relocation.offset, relocation.offset)
                    }
                case 16:  // DTPMOD64: first word of a TLS GOT pair
                    tlsModule[relocation.offset] =
                        relocation.symbolIndex > 0 && relocation.symbolIndex < dynsym.count
                        ? dynsym[relocation.symbolIndex].name : ""
                default: break
                }
            }
        }
        return (named, relative, irelative, tlsModule, tpoff)
    }

    /// Names IRELATIVE slots after the target's IFUNC whose value (its resolver) is the addend, so
    /// `call foo@plt` through such a slot is seen to reach `foo`.
    private static func indirectSlotNames(_ irelative: [UInt64: UInt64], definitions: [String: [Definition]])
        -> [UInt64: String]
    {
        var byResolver: [UInt64: String] = [:]
        for (name, candidates) in definitions {
            for candidate in candidates where candidate.symbol.type == .gnuIndirectFunction {
                byResolver[candidate.symbol.value] = name
            }
        }
        return irelative.compactMapValues { byResolver[$0] }
    }

    /// Maps each PLT stub (`jmp *slot(%rip)`) in .plt, .plt.sec and .plt.got to its slot's symbol.
    private static func pltEntries(_ elf: ELFFile, gotSymbols: [UInt64: String]) throws -> [UInt64: String] {
        var entries: [UInt64: String] = [:]
        for section in elf.sections where section.name.hasPrefix(".plt") && section.flags.contains(.execute) {
            let bytes = Array(try elf.contents(of: section))
            let entrySize = UInt64(section.entrySize >= 8 ? section.entrySize : 16)
            var at = 0
            while at + 6 <= bytes.count {
                if bytes[at] == 0xff && bytes[at + 1] == 0x25 {
                    let displacement = Int32(bitPattern: UInt32(littleEndian: bytes[(at + 2)..<(at + 6)]))
                    let next = section.address + UInt64(at + 6)
                    let slot = UInt64(Int64(bitPattern: next) + Int64(displacement))
                    if let name = gotSymbols[slot] {
                        entries[section.address + UInt64(at) / entrySize * entrySize] = name
                    }
                    at += 6
                } else {
                    at += 1
                }
            }
        }
        return entries
    }
}

extension UInt32 {
    /// Assembles four little-endian bytes.
    init(littleEndian bytes: ArraySlice<UInt8>) {
        self = bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// Reads whole files for the coordinator, with a message naming the file when it cannot.
package enum FileBytes {
    package static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PatchCreationError("cannot read \(path): no such file or not readable")
        }
        return [UInt8](data)
    }
}
