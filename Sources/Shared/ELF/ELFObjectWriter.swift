/// Writes an x86-64 relocatable object (`ET_REL`) that `readelf` and `objdump` read like compiler
/// output: content sections, one `.rela.<name>` per section with relocations, `.symtab`,
/// `.strtab`, `.shstrtab`. Symbols are reordered locals-first as ELF requires; relocations
/// refer to symbols by their position in ``symbols`` and are renumbered to match.
public struct ELFObjectWriter: Sendable {
    /// A content section to write.
    public struct Section: Sendable {
        /// Name, e.g. `.text.is_even`.
        public var name: String
        /// `SHT_PROGBITS` or `SHT_NOBITS` usually.
        public var type: ELFSectionType
        /// `sh_flags`.
        public var flags: ELFSectionFlags
        /// `sh_addralign`.
        public var alignment: UInt64
        /// `sh_entsize` (for merge sections).
        public var entrySize: UInt64
        /// The contents (ignored for `SHT_NOBITS`).
        public var bytes: [UInt8]
        /// The size in memory for `SHT_NOBITS` (ignored otherwise: `bytes.count` is the size).
        public var zeroFillSize: UInt64
        /// Relocations applying to this section; `symbolIndex` is an index into ``ELFObjectWriter/symbols``.
        public var relocations: [ELFRelocation]

        /// Describes a section.
        public init(
            name: String, type: ELFSectionType = .progbits, flags: ELFSectionFlags, alignment: UInt64,
            entrySize: UInt64 = 0, bytes: [UInt8], zeroFillSize: UInt64 = 0, relocations: [ELFRelocation] = []
        ) {
            self.name = name
            self.type = type
            self.flags = flags
            self.alignment = alignment
            self.entrySize = entrySize
            self.bytes = bytes
            self.zeroFillSize = zeroFillSize
            self.relocations = relocations
        }
    }

    /// Where a symbol is defined.
    public enum Placement: Sendable, Equatable {
        /// Undefined: bound by whoever loads the object.
        case undefined
        /// An absolute value.
        case absolute
        /// In ``ELFObjectWriter/sections``[index].
        case section(Int)
    }

    /// A symbol to write.
    public struct Symbol: Sendable {
        /// The name ("" for section symbols).
        public var name: String
        /// Offset in its section (or the absolute value).
        public var value: UInt64
        /// `st_size`.
        public var size: UInt64
        /// `STT_*`.
        public var type: ELFSymbolType
        /// `STB_*`.
        public var binding: ELFSymbolBinding
        /// `STV_*`.
        public var visibility: UInt8
        /// Where it is defined.
        public var placement: Placement

        /// Describes a symbol.
        public init(
            name: String, value: UInt64 = 0, size: UInt64 = 0, type: ELFSymbolType, binding: ELFSymbolBinding,
            visibility: UInt8 = 0, placement: Placement
        ) {
            self.name = name
            self.value = value
            self.size = size
            self.type = type
            self.binding = binding
            self.visibility = visibility
            self.placement = placement
        }
    }

    /// Sections in output order (their ELF index is position + 1).
    public var sections: [Section] = []
    /// Symbols in any order; the null symbol is added in front automatically.
    public var symbols: [Symbol] = []

    /// An empty object.
    public init() {}

    /// The object file's bytes.
    public func encode() -> [UInt8] {
        // Step 1: ELF wants locals first; remember where each caller symbol ends up.
        let order =
            symbols.indices.filter { symbols[$0].binding == .local }
            + symbols.indices.filter { symbols[$0].binding != .local }
        var newIndex = [Int](repeating: 0, count: symbols.count)
        for (position, old) in order.enumerated() { newIndex[old] = position + 1 }
        // Step 2: the section list: content, relocations, symtab, strtab, shstrtab.
        var table = SectionTable()
        for section in sections {
            let size = section.type == .nobits ? section.zeroFillSize : UInt64(section.bytes.count)
            table.append(
                SectionHeader(
                    name: section.name, type: section.type, flags: section.flags, size: size,
                    alignment: section.alignment, entrySize: section.entrySize),
                section.type == .nobits ? [] : section.bytes, alignment: max(section.alignment, 1))
        }
        let relaSections = sections.indices.filter { !sections[$0].relocations.isEmpty }
        let symtabIndex = 1 + sections.count + relaSections.count
        for index in relaSections {
            appendRelocations(of: index, newIndex: newIndex, symtabIndex: symtabIndex, to: &table)
        }
        appendSymbolTables(order: order, symtabIndex: symtabIndex, to: &table)
        // Step 3: lay the data out after the file header, then the section header table.
        return table.layout { out, sectionHeaderOffset, sectionCount in
            writeFileHeader(into: &out, sectionHeaderOffset: sectionHeaderOffset, sectionCount: sectionCount)
        }
    }

    /// `.rela<name>` for section `index`, symbols renumbered to their final place.
    private func appendRelocations(of index: Int, newIndex: [Int], symtabIndex: Int, to table: inout SectionTable) {
        var bytes: [UInt8] = []
        for relocation in sections[index].relocations {
            bytes.appendLE(relocation.offset)
            bytes.appendLE(UInt64(newIndex[relocation.symbolIndex]) << 32 | UInt64(relocation.type.rawValue))
            bytes.appendLE(UInt64(bitPattern: relocation.addend))
        }
        table.append(
            SectionHeader(
                name: ".rela" + sections[index].name, type: .rela, flags: .infoLink, size: UInt64(bytes.count),
                link: UInt32(symtabIndex), info: UInt32(index + 1), alignment: 8, entrySize: 24),
            bytes, alignment: 8)
    }

    /// `.symtab` (locals first, in `order`), then the `.strtab` of its names.
    private func appendSymbolTables(order: [Int], symtabIndex: Int, to table: inout SectionTable) {
        var strtab = StringTable()
        var symtab = [UInt8](repeating: 0, count: 24)
        for old in order {
            let symbol = symbols[old]
            symtab.appendLE(strtab.offset(of: symbol.name))
            symtab.append(symbol.binding.rawValue << 4 | symbol.type.rawValue)
            symtab.append(symbol.visibility)
            switch symbol.placement {
            case .undefined: symtab.appendLE(ELFSymbol.undefinedSection)
            case .absolute: symtab.appendLE(ELFSymbol.absoluteSection)
            case .section(let index): symtab.appendLE(UInt16(index + 1))
            }
            symtab.appendLE(symbol.value)
            symtab.appendLE(symbol.size)
        }
        let firstGlobal = 1 + symbols.filter { $0.binding == .local }.count
        table.append(
            SectionHeader(
                name: ".symtab", type: .symtab, flags: [], size: UInt64(symtab.count), link: UInt32(symtabIndex + 1),
                info: UInt32(firstGlobal), alignment: 8, entrySize: 24),
            symtab, alignment: 8)
        table.append(
            SectionHeader(name: ".strtab", type: .strtab, flags: [], size: UInt64(strtab.bytes.count)), strtab.bytes,
            alignment: 1)
    }

    private func writeFileHeader(into out: inout [UInt8], sectionHeaderOffset: UInt64, sectionCount: Int) {
        var header: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        header.appendLE(ELFHeader.FileType.relocatable.rawValue)
        header.appendLE(ELFHeader.machineX86_64)
        header.appendLE(UInt32(1))
        header.appendLE(UInt64(0))  // e_entry
        header.appendLE(UInt64(0))  // e_phoff
        header.appendLE(sectionHeaderOffset)
        header.appendLE(UInt32(0))  // e_flags
        header.appendLE(UInt16(ELFHeader.size))
        header.appendLE(UInt16(0))  // e_phentsize
        header.appendLE(UInt16(0))  // e_phnum
        header.appendLE(UInt16(64))
        header.appendLE(UInt16(sectionCount))
        header.appendLE(UInt16(sectionCount - 1))  // .shstrtab is last
        out.replaceSubrange(0..<header.count, with: header)
    }
}

/// One section header before offsets are known.
private struct SectionHeader {
    var name: String
    var type: ELFSectionType
    var flags: ELFSectionFlags
    var size: UInt64
    var link: UInt32 = 0
    var info: UInt32 = 0
    var alignment: UInt64 = 1
    var entrySize: UInt64 = 0
}

/// The sections of the object being written, in order, with their bytes.
private struct SectionTable {
    var headers: [SectionHeader] = []
    var data: [(bytes: [UInt8], alignment: UInt64)] = []

    mutating func append(_ header: SectionHeader, _ bytes: [UInt8], alignment: UInt64) {
        headers.append(header)
        data.append((bytes, alignment))
    }

    /// Adds `.shstrtab`, lays the data out after the file header's room, then the section header
    /// table; `fileHeader` fills the first bytes once the table's offset is known.
    consuming func layout(fileHeader: (inout [UInt8], UInt64, Int) -> Void) -> [UInt8] {
        var shstrtab = StringTable()
        let nameOffsets = (headers.map(\.name) + [".shstrtab"]).map { shstrtab.offset(of: $0) }
        append(
            SectionHeader(name: ".shstrtab", type: .strtab, flags: [], size: UInt64(shstrtab.bytes.count)),
            shstrtab.bytes, alignment: 1)
        var out = [UInt8](repeating: 0, count: Int(ELFHeader.size))
        var offsets: [UInt64] = []
        for (bytes, alignment) in data {
            out.pad(toAlignment: alignment)
            offsets.append(UInt64(out.count))
            out += bytes
        }
        out.pad(toAlignment: 8)
        let sectionHeaderOffset = UInt64(out.count)
        out += [UInt8](repeating: 0, count: 64)
        for (index, header) in headers.enumerated() {
            out.appendLE(nameOffsets[index])
            out.appendLE(header.type.rawValue)
            out.appendLE(header.flags.rawValue)
            out.appendLE(UInt64(0))
            out.appendLE(offsets[index])
            out.appendLE(header.size)
            out.appendLE(header.link)
            out.appendLE(header.info)
            out.appendLE(header.alignment)
            out.appendLE(header.entrySize)
        }
        fileHeader(&out, sectionHeaderOffset, headers.count + 1)
        return out
    }
}

/// A string table being built; identical strings share one entry.
private struct StringTable {
    var bytes: [UInt8] = [0]
    var known: [String: UInt32] = ["": 0]

    mutating func offset(of string: String) -> UInt32 {
        if let offset = known[string] { return offset }
        let offset = UInt32(bytes.count)
        bytes += Array(string.utf8) + [0]
        known[string] = offset
        return offset
    }
}
