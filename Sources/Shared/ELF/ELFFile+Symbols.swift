extension ELFFile {
    /// The symbols of `.symtab`, or nil when the file has none (stripped).
    public func symbolTable() throws -> [ELFSymbol]? {
        guard let table = sections.first(where: { $0.type == .symtab }) else { return nil }
        return try symbols(in: table)
    }

    /// The symbols of `.dynsym`, or nil when the file has none (static executables, objects).
    public func dynamicSymbols() throws -> [ELFSymbol]? {
        guard let table = sections.first(where: { $0.type == .dynsym }) else { return nil }
        return try symbols(in: table)
    }

    /// The symbols of a `SHT_SYMTAB` or `SHT_DYNSYM` section, index 0 (the null symbol) included.
    public func symbols(in table: ELFSection) throws -> [ELFSymbol] {
        guard table.entrySize == 24 else {
            throw ELFError.malformed(
                "symbol table \(table.name) has entry size \(table.entrySize), expected 24")
        }
        let entries = try reader.range(
            offset: table.offset, size: table.size, what: "symbol table \(table.name)")
        let strings = try contents(of: try section(at: Int(table.link), for: "symbol table \(table.name)"))
        var symbols: [ELFSymbol] = []
        symbols.reserveCapacity(entries.count / 24)
        for (index, at) in stride(from: entries.lowerBound, to: entries.upperBound - 23, by: 24).enumerated()
        {
            let info = reader.u8(at + 4)
            symbols.append(
                ELFSymbol(
                    index: index,
                    name: try ByteReader.string(in: strings, at: reader.u32(at), what: "symbol \(index)"),
                    value: reader.u64(at + 8), size: reader.u64(at + 16),
                    type: ELFSymbolType(rawValue: info & 0xf), binding: ELFSymbolBinding(rawValue: info >> 4),
                    visibility: reader.u8(at + 5) & 3, sectionIndex: reader.u16(at + 6)))
        }
        return symbols
    }

    /// The `SHT_RELA` sections that apply to `section` (by `sh_info`), in file order.
    public func relocationSections(for section: ELFSection) -> [ELFSection] {
        sections.filter { $0.type == .rela && Int($0.info) == section.index && $0.info != 0 }
    }

    /// The relocations of one `SHT_RELA` section.
    public func relocations(in table: ELFSection) throws -> [ELFRelocation] {
        guard table.type == .rela else {
            throw ELFError.malformed(
                "section \(table.name) is not SHT_RELA; hotpatch reads RELA relocations only")
        }
        guard table.entrySize == 24 else {
            throw ELFError.malformed(
                "relocation table \(table.name) has entry size \(table.entrySize), expected 24")
        }
        let entries = try reader.range(
            offset: table.offset, size: table.size, what: "relocation table \(table.name)")
        return stride(from: entries.lowerBound, to: entries.upperBound - 23, by: 24).map { at in
            let info = reader.u64(at + 8)
            return ELFRelocation(
                offset: reader.u64(at), type: ELFRelocationType(rawValue: UInt32(truncatingIfNeeded: info)),
                symbolIndex: Int(info >> 32), addend: Int64(bitPattern: reader.u64(at + 16)))
        }
    }

    /// The relocations applying to `section`, gathered from every `SHT_RELA` aimed at it.
    public func relocations(for section: ELFSection) throws -> [ELFRelocation] {
        try relocationSections(for: section).flatMap { try relocations(in: $0) }
    }
}
