/// The work state of one ``PatchBuilder/build(metadata:replacing:carrying:bind:)`` call.
struct PatchAssembly {
    let builder: PatchBuilder
    var writer = ELFObjectWriter()
    var bindings: [TargetBinding] = []
    /// Input section -> output section position.
    private(set) var sectionMap: [PatchBuilder.SectionRef: Int] = [:]
    /// (object, input symbol index) -> output symbol position.
    private var symbolMap: [SymbolKey: Int] = [:]
    /// Undefined output symbols by name or by bound address, so each appears once.
    private var undefinedByName: [String: Int] = [:]
    private var boundByAddress: [String: Int] = [:]
    private var usedNames: Set<String> = []
    private(set) var objectSymbols: [[ELFSymbol]] = []

    private struct SymbolKey: Hashable {
        let object: Int
        let index: Int
    }

    init(builder: PatchBuilder) { self.builder = builder }

    /// Step 1: copy the carried sections' bytes, in object then section order (deterministic).
    mutating func copySections(_ carried: Set<PatchBuilder.SectionRef>) throws {
        objectSymbols = try builder.objects.map { try $0.symbolTable() ?? [] }
        for ref in carried.sorted(by: { ($0.object, $0.section) < ($1.object, $1.section) }) {
            let object = builder.objects[ref.object]
            let section = try object.section(at: ref.section, for: "the carried section list")
            if section.flags.contains(.tls) {
                throw PatchBuildError(
                    "\(builder.objectNames[ref.object]): section \(section.name) holds a thread-local variable; "
                        + "hotpatch cannot add TLS to a running process: keep the state in an existing variable"
                )
            }
            sectionMap[ref] = writer.sections.count
            writer.sections.append(
                ELFObjectWriter.Section(
                    name: section.name, type: section.type, flags: section.flags,
                    alignment: section.alignment,
                    entrySize: section.entrySize, bytes: Array(try object.contents(of: section)),
                    zeroFillSize: section.type == .nobits ? section.size : 0))
        }
    }

    /// Step 2: every symbol defined in a carried section keeps its place (renamed if two objects
    /// define the same name, so the agent can find each by name).
    mutating func copyDefinedSymbols() throws {
        for (objectIndex, symbols) in objectSymbols.enumerated() {
            for symbol in symbols.dropFirst() where symbol.type != .file {
                let ref = PatchBuilder.SectionRef(object: objectIndex, section: Int(symbol.sectionIndex))
                guard let output = sectionMap[ref] else { continue }
                var name = symbol.name
                if symbol.type != .section && !name.isEmpty { name = unique(name) }
                symbolMap[SymbolKey(object: objectIndex, index: symbol.index)] = writer.symbols.count
                writer.symbols.append(
                    ELFObjectWriter.Symbol(
                        name: name, value: symbol.value, size: symbol.size, type: symbol.type,
                        binding: symbol.binding,
                        visibility: symbol.visibility, placement: .section(output)))
            }
        }
    }

    /// Step 3: copy the relocations, binding every reference that leaves the carried sections.
    mutating func copyRelocations(bind: PatchBuilder.SiteBinder) throws {
        for (ref, output) in sectionMap.sorted(by: { $0.value < $1.value }) {
            let object = builder.objects[ref.object]
            let section = object.sections[ref.section]
            var relocations: [ELFRelocation] = []
            for relocation in try object.relocations(for: section) where relocation.type != .none {
                guard relocation.symbolIndex > 0, relocation.symbolIndex < objectSymbols[ref.object].count
                else {
                    throw PatchBuildError(
                        "\(builder.objectNames[ref.object]): relocation in \(section.name) at +\(relocation.offset) "
                            + "has no valid symbol")
                }
                let symbol = objectSymbols[ref.object][relocation.symbolIndex]
                let index = try outputSymbol(for: symbol, object: ref.object, from: section, bind: bind)
                relocations.append(
                    ELFRelocation(
                        offset: relocation.offset, type: relocation.type, symbolIndex: index,
                        addend: relocation.addend))
            }
            writer.sections[output].relocations = relocations
        }
    }

    mutating func outputSymbol(
        for symbol: ELFSymbol, object: Int, from section: ELFSection, bind: PatchBuilder.SiteBinder
    ) throws -> Int {
        if let mapped = symbolMap[SymbolKey(object: object, index: symbol.index)] { return mapped }
        var symbol = symbol
        if symbol.type == .section,
            let named = PatchBuilder.namedSymbol(
                startingSection: Int(symbol.sectionIndex), in: builder.objects[object],
                symbols: objectSymbols[object])
        {
            // A section not carried, named by its section symbol: bind it by its function's name.
            symbol = named
        }
        if let (address, kind) = try bind(object, symbol) {
            let key = "\(symbol.name)@\(address.rawValue)\(kind == .slotValue ? "*" : "")"
            if let existing = boundByAddress[key] { return existing }
            let name = unique(symbol.name)
            bindings.append(TargetBinding(address: address, symbol: name, kind: kind))
            boundByAddress[key] = writer.symbols.count
            // What the slot holds is the implementation, an ordinary function (never the resolver).
            let type: ELFSymbolType = symbol.type == .gnuIndirectFunction ? .function : symbol.type
            return append(undefined: name, type: type, binding: .global)
        }
        guard symbol.sectionIndex == ELFSymbol.undefinedSection, !symbol.name.isEmpty else {
            let name = symbol.name.isEmpty ? "a section symbol" : symbol.name
            throw PatchBuildError(
                "\(builder.objectNames[object]): \(section.name) refers to \(name), which the patch does not carry "
                    + "and the target does not define; include it or recompile with -ffunction-sections -fdata-sections"
            )
        }
        if let existing = undefinedByName[symbol.name] { return existing }
        usedNames.insert(symbol.name)
        undefinedByName[symbol.name] = writer.symbols.count
        return append(
            undefined: symbol.name, type: symbol.type, binding: symbol.binding == .weak ? .weak : .global)
    }

    private mutating func append(undefined name: String, type: ELFSymbolType, binding: ELFSymbolBinding)
        -> Int
    {
        writer.symbols.append(
            ELFObjectWriter.Symbol(name: name, type: type, binding: binding, placement: .undefined))
        return writer.symbols.count - 1
    }

    /// The name itself, or with a `.hp<N>` suffix when the patch already uses it.
    private mutating func unique(_ name: String) -> String {
        var candidate = name
        var counter = 1
        while usedNames.contains(candidate) {
            candidate = "\(name).hp\(counter)"
            counter += 1
        }
        usedNames.insert(candidate)
        return candidate
    }

    /// The output name of a replacement's new function (after any renaming).
    func finalName(of replacement: PatchBuilder.Replacement) throws -> String {
        guard replacement.object >= 0, replacement.object < objectSymbols.count,
            let symbol = objectSymbols[replacement.object].first(where: {
                $0.name == replacement.newSymbol && $0.type == .function && $0.isDefined
            }),
            let output = symbolMap[SymbolKey(object: replacement.object, index: symbol.index)]
        else {
            throw PatchBuildError(
                "the patch does not carry function \(replacement.newSymbol) (replacing \(replacement.oldName)); "
                    + "compile with -ffunction-sections and include its section")
        }
        return writer.symbols[output].name
    }
}
