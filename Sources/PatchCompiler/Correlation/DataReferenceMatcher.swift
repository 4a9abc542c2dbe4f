import Shared

/// Decides whether a pointer in the object's data (a relocation: symbol S plus addend A) stands
/// for what the target's copy of the data holds at the same place, by name or by content, never
/// by address: a function or variable of the target by name (statics told apart by source file),
/// an imported symbol by name (a symbolic dynamic relocation, or a PLT entry), a string literal by
/// its bytes, an object section reached through its section symbol by the named function or
/// variable that covers the offset. Anything else (anonymous non-string data) does not match,
/// which makes the variable count as changed: safe.
struct DataReferenceMatcher {
    let target: TargetModule
    let unit: ObjectUnit

    /// Whether the object's `symbol` + `addend` is what `pointer` holds in the target.
    func matches(_ symbol: ELFSymbol, addend: Int64, pointer: TargetPointers.Pointer) throws -> Bool {
        switch pointer {
        case .symbol(let name, let theirs):
            return try objectName(of: symbol, addend: addend).map { $0 == (name, theirs) } ?? false
        case .address(let value):
            if let place = try placeInSection(symbol, addend: addend) {
                return try matches(place, value: value)
            }
            let base = value &- UInt64(bitPattern: addend)
            if target.pltEntries[base] == symbol.name { return true }
            guard let definition = try target.definition(of: symbol.name, sourceFile: unit.sourceFile) else {
                return false
            }
            return definition.symbol.value == base
        }
    }

    /// An offset inside one of the object's sections (section symbols and local labels).
    private struct SectionPlace {
        let section: ELFSection
        let offset: UInt64
    }

    /// Where a reference through a section symbol or an anonymous local label points.
    private func placeInSection(_ symbol: ELFSymbol, addend: Int64) throws -> SectionPlace? {
        guard symbol.isDefined, symbol.sectionIndex < 0xff00,
            symbol.type == .section || (symbol.type == .none && symbol.binding == .local)
        else { return nil }
        let offset = Int64(bitPattern: symbol.value) &+ addend
        guard offset >= 0 else { return nil }
        return SectionPlace(section: try unit.section(Int(symbol.sectionIndex)), offset: UInt64(offset))
    }

    /// A section place matches the target's `value` when the string there is the same, or the
    /// named function or variable covering it sits at `value` (same offset into it) in the target.
    private func matches(_ place: SectionPlace, value: UInt64) throws -> Bool {
        if place.section.flags.contains(.strings) {
            guard let mine = try string(at: place) else { return false }
            return target.cString(at: value) == mine
        }
        guard let covering = covering(place),
            let definition = try target.definition(of: covering.name, sourceFile: unit.sourceFile)
        else { return false }
        return definition.symbol.value &+ (place.offset - covering.value) == value
    }

    /// The object's NUL-terminated string at a place in a string section.
    private func string(at place: SectionPlace) throws -> [UInt8]? {
        let contents = try unit.elf.contents(of: place.section)
        guard place.offset < UInt64(contents.count) else { return nil }
        let tail = contents[(contents.startIndex + Int(place.offset))...]
        guard let end = tail.firstIndex(of: 0) else { return nil }
        return Array(tail[..<end])
    }

    /// The named function or variable of the object that covers a section place.
    private func covering(_ place: SectionPlace) -> ELFSymbol? {
        unit.symbols.first {
            Int($0.sectionIndex) == place.section.index && !$0.name.isEmpty
                && ($0.type == .object || $0.type == .function || $0.type == .tls)
                && place.offset >= $0.value && place.offset < $0.value + max($0.size, 1)
        }
    }

    /// The name and addend a symbolic reference would carry in the target (a named symbol, or
    /// the named symbol covering a section place); nil for strings and anonymous data.
    private func objectName(of symbol: ELFSymbol, addend: Int64) throws -> (String, Int64)? {
        guard let place = try placeInSection(symbol, addend: addend) else {
            return symbol.name.isEmpty ? nil : (symbol.name, addend)
        }
        guard let covering = covering(place) else { return nil }
        return (covering.name, Int64(bitPattern: place.offset - covering.value))
    }

    // MARK: - Descriptions for refusals

    /// What the object's reference points to, for people: a name (+offset) or a quoted string.
    func describe(_ symbol: ELFSymbol, addend: Int64) throws -> String {
        if let place = try placeInSection(symbol, addend: addend) {
            if place.section.flags.contains(.strings), let string = try string(at: place) {
                return quoted(string)
            }
            if let covering = covering(place) {
                return withOffset(covering.name, Int64(bitPattern: place.offset - covering.value))
            }
            return withOffset(place.section.name, Int64(bitPattern: place.offset))
        }
        return withOffset(symbol.name, addend)
    }

    /// What the target's pointer points to, for people: the target symbol covering it, a string,
    /// or the bare address.
    func describe(_ pointer: TargetPointers.Pointer) -> String {
        switch pointer {
        case .symbol(let name, let addend):
            return withOffset(name, addend)
        case .address(let value):
            let candidates = target.definitions.values.joined().filter {
                value >= $0.symbol.value && value < $0.symbol.value + max($0.symbol.size, 1)
                    && $0.symbol.type != .tls
            }
            if let best = candidates.min(by: { $0.symbol.size < $1.symbol.size }) {
                return withOffset(best.symbol.name, Int64(bitPattern: value - best.symbol.value))
            }
            if let name = target.pltEntries[value] { return name + "@plt" }
            if let string = target.cString(at: value), !string.isEmpty,
                string.allSatisfy({ $0 >= 0x20 && $0 < 0x7f })
            {
                return quoted(string)
            }
            return "0x" + String(value, radix: 16)
        }
    }

    private func withOffset(_ name: String, _ offset: Int64) -> String {
        offset == 0 ? name : "\(name)\(offset > 0 ? "+" : "")\(offset)"
    }

    private func quoted(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(40), as: UTF8.self)
        return "\"\(text)\(bytes.count > 40 ? "..." : "")\""
    }
}
