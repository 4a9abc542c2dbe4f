extension PatchFile {
    /// Cross-checks the metadata against the ELF contents, so the agent can trust every index,
    /// offset and name it uses afterwards.
    func validate() throws {
        let carried = Set(sections.map(\.index))
        for symbol in symbols.dropFirst() where symbol.isDefined && symbol.sectionIndex < 0xff00 {
            guard carried.contains(Int(symbol.sectionIndex)) else {
                throw PatchFormatError.malformed(
                    "symbol \(describe(symbol)) is defined in section \(symbol.sectionIndex), which is not loaded"
                )
            }
        }
        for section in sections {
            for relocation in section.relocations {
                guard relocation.symbolIndex < symbols.count else {
                    throw PatchFormatError.malformed(
                        "relocation in \(section.name) at +\(relocation.offset) names symbol \(relocation.symbolIndex), "
                            + "beyond the \(symbols.count) symbols")
                }
                guard ELFRelocationType.placeable.contains(relocation.type) else {
                    throw PatchFormatError.malformed(
                        "relocation \(relocation.type) in \(section.name) against "
                            + "\(describe(symbols[relocation.symbolIndex])) cannot be placed by the agent")
                }
                guard relocation.offset <= section.size,
                    section.size - relocation.offset >= relocation.type.width
                else {
                    throw PatchFormatError.malformed(
                        "relocation in \(section.name) at +\(relocation.offset) lies outside the section")
                }
            }
        }
        try validateRecords()
    }

    private func validateRecords() throws {
        switch kind {
        case .relocatable:
            guard !replacedFunctions.isEmpty else {
                throw PatchFormatError.malformed("a relocatable patch that replaces no function")
            }
            for function in replacedFunctions {
                guard let symbol = definedSymbol(named: function.newName), symbol.type == .function else {
                    throw PatchFormatError.malformed(
                        "replacement \(function.newName) for \(function.oldName) is not a function defined in the patch"
                    )
                }
            }
            let undefined = Set(undefinedSymbols.map(\.name))
            for binding in targetBindings where !undefined.contains(binding.symbol) {
                throw PatchFormatError.malformed(
                    "binding for \(binding.symbol), which the patch does not use")
            }
        case .inPlace:
            guard !inPlaceEdits.isEmpty else {
                throw PatchFormatError.malformed("an in-place patch with no edits")
            }
        }
    }

    private func describe(_ symbol: ELFSymbol) -> String {
        symbol.name.isEmpty ? "#\(symbol.index)" : symbol.name
    }
}
