import Shared

/// Decides whether what a relocation of the object names (symbol + addend) is, in content, what
/// the target's linked bytes reach: the same function or variable, or anonymous data with the
/// same bytes (kpatch's `rela_equal`, by content, never by address).
///
/// Everything works from `base`, the target address the object's symbol S would have if the
/// target were the object linked: for a PC-relative field F at P, `base = F + P - A`. The
/// instruction around the field is compared byte for byte elsewhere, so an immediate after the
/// displacement (`cmpl $1, var(%rip)`: A = -5) has the same size in both and cancels out. What
/// is exact, by kind of S:
/// - a section holding the function being compared (or one of its parts): `base` must be where
///   the target has that function (jump tables point back into their function);
/// - a named function or variable: the target's definition (PLT entry for imports) is `base`;
/// - a section that defines named functions or variables: every one of them sits at `base +
///   value` in the target (they are the same objects; their content is not the function's);
/// - strings (`SHF_MERGE|SHF_STRINGS`, via a `.LC` label): the target's string at `base`
///   equals the object's, up to its NUL;
/// - other merged constants (`.rodata.cst4/8/16`, via a `.LC` label): the linker moves each
///   entry, so only the entry the code reads is compared: the one at `value + A + 4` rounded
///   up to the entry size (an immediate shorter than the entry keeps that entry);
/// - anonymous non-merged data (switch tables, struct initializers in `.rodata`): the target's
///   bytes over the item the reference reaches equal the object's, with the item's own
///   relocations resolved the same way (a switch table's entries must reach the target's
///   function). An item runs from the reference to the next offset any relocation of the
///   object reaches in that section (GCC references each constant at its start), or the end.
/// A section symbol into a merged section (GAS never emits one: it keeps `.LC` labels there
/// because the linker would resolve the addend inside the wrong entry) is not matched: such a
/// function counts as changed, which is safe.
struct ReferenceMatcher {
    let target: TargetModule
    let unit: ObjectUnit
    /// Object sections whose target address is known: the function being compared and its
    /// parts, section index -> target address of the section's first byte.
    private(set) var anchors: [Int: UInt64] = [:]
    /// Section index -> sorted offsets that relocations of the object reach (item boundaries).
    private let itemStarts: [Int: [UInt64]]
    /// What the target's data holds once loaded (symbolic dynamic relocations included).
    private let pointers: TargetPointers

    /// The unit's function-scope statics paired with the target's by their users.
    let statics: StaticLocals

    /// A matcher for references of `unit` (reads its relocations once).
    init(target: TargetModule, unit: ObjectUnit, statics: StaticLocals) throws {
        self.target = target
        self.unit = unit
        self.statics = statics
        itemStarts = try ReferenceMatcher.itemStarts(of: unit)
        pointers = try TargetPointers(target: target)
    }

    /// The target's definition an object symbol stands for: a static local's counterpart, else
    /// the same name (from the same source file for statics).
    func counterpart(of symbol: ELFSymbol) throws -> TargetModule.Definition? {
        switch statics.counterparts[symbol.index] {
        case .existing(let definition): return definition
        case .new: return nil
        case nil: return try target.definition(of: symbol.name, sourceFile: unit.sourceFile)
        }
    }

    /// The same matcher, knowing where the target has the sections of the function compared.
    func anchored(_ anchors: [Int: UInt64]) -> ReferenceMatcher {
        var copy = self
        copy.anchors = anchors
        return copy
    }

    /// Functions compared instruction by instruction (decoder): section index -> which object
    /// label is which target label, for data pointing into them (switch tables).
    private(set) var labels: [Int: LabelCorrespondence] = [:]

    /// The same matcher, matching data that points into `labels`' sections label for label.
    func relabeled(_ labels: [Int: LabelCorrespondence]) -> ReferenceMatcher {
        var copy = self
        copy.labels = labels
        return copy
    }

    /// How deep data may refer to data (a table of pointers to tables) before giving up.
    private static let maximumDepth = 4

    /// Whether `base` (the target's value for S) stands for the object's `symbol`. `reach` is how
    /// far past S the reference points: A + 4 for a PC-relative field (plus the size of any
    /// immediate after it), A for an absolute one.
    /// `absolute` says the field holds S + A itself (`R_X86_64_64`, `32`, `32S`), not S + A - P.
    func matches(_ symbol: ELFSymbol, base: UInt64, reach: Int64, absolute: Bool = false, depth: Int = 0)
        throws
        -> Bool
    {
        guard depth <= ReferenceMatcher.maximumDepth else { return false }
        let inSection = symbol.isDefined && symbol.sectionIndex < 0xff00
        if inSection, symbol.type == .section || (symbol.type == .none && symbol.binding == .local) {
            return try matchesData(
                inSection: Int(symbol.sectionIndex), symbolValue: symbol.value,
                isSectionSymbol: symbol.type == .section, base: base, reach: reach, absolute: absolute,
                depth: depth)
        }
        if inSection, let labels = labels[Int(symbol.sectionIndex)] {
            return labels.sameLabel(objectOffset: symbol.value, targetAddress: base)  // (decoder)
        }
        if inSection, let anchor = anchors[Int(symbol.sectionIndex)] {
            return anchor &+ symbol.value == base
        }
        if target.pltEntries[base] == symbol.name { return true }
        guard let definition = try counterpart(of: symbol) else { return false }
        if symbol.type == .object, definition.symbol.value == base {
            return try sameConstant(symbol, at: base, depth: depth)
        }
        return definition.symbol.value == base
    }

    /// A reference into an object section through its section symbol or a local label.
    private func matchesData(
        inSection index: Int, symbolValue: UInt64, isSectionSymbol: Bool, base: UInt64, reach: Int64,
        absolute: Bool, depth: Int
    ) throws -> Bool {
        let section = try unit.section(index)
        if let labels = labels[index] {
            // (decoder) a label of a function whose layout differs from the target's.
            let label = UInt64(bitPattern: reach)
            return labels.sameLabel(objectOffset: symbolValue &+ label, targetAddress: base &+ label)
        }
        if let anchor = anchors[index] { return anchor &+ symbolValue == base }
        let named = unit.symbols.filter {
            Int($0.sectionIndex) == index && !$0.name.isEmpty && ($0.type == .object || $0.type == .function)
        }
        if !named.isEmpty {
            for symbol in named {
                guard let definition = try counterpart(of: symbol),
                    definition.symbol.value == base &+ (symbol.value &- symbolValue)
                else { return false }
            }
            // Read-only named data (`CSWTCH.N` tables, `const` arrays) is a constant: the same name
            // with other bytes is a new constant the new code needs.
            // Functions are compared (and replaced) on their own; variables are state to share.
            if section.flags.contains(.execute) || section.flags.contains(.write) || section.type == .nobits {
                return true
            }
            return try sameBytes(
                in: section, from: 0, to: section.size, sectionBase: base &- symbolValue, depth: depth)
        }
        if section.flags.contains(.merge), isSectionSymbol {
            // Data pointing at a string or constant names it by section + offset (a table of
            // strings); the linker stored where that entry went, base + A. PC-relative section
            // references into merged data (which GAS avoids) are not matched.
            guard absolute, reach >= 0 else { return false }
            let offset = symbolValue &+ UInt64(reach)
            return try section.flags.contains(.strings)
                ? matchesString(in: section, at: offset, base: base &+ UInt64(reach))
                : matchesConstant(in: section, symbolValue: offset, base: base &+ UInt64(reach), reach: 0)
        }
        if section.flags.contains(.merge) {
            return try section.flags.contains(.strings)
                ? matchesString(in: section, at: symbolValue, base: base)
                : matchesConstant(in: section, symbolValue: symbolValue, base: base, reach: reach)
        }
        return try matchesItem(in: section, symbolValue: symbolValue, base: base, reach: reach, depth: depth)
    }

    /// A named variable at the right place is the same unless it is a read-only constant whose
    /// bytes changed (then the new code needs the new constant).
    private func sameConstant(_ symbol: ELFSymbol, at base: UInt64, depth: Int) throws -> Bool {
        let section = try unit.section(Int(symbol.sectionIndex))
        if section.flags.contains(.write) || section.type == .nobits || section.flags.contains(.execute) {
            return true
        }
        return try sameBytes(
            in: section, from: symbol.value, to: symbol.value + symbol.size,
            sectionBase: base &- symbol.value,
            depth: depth)
    }

    /// A `.LC` string: the target's NUL-terminated string at `base` is the object's.
    private func matchesString(in section: ELFSection, at offset: UInt64, base: UInt64) throws -> Bool {
        let contents = try unit.elf.contents(of: section)
        guard offset < UInt64(contents.count) else { return false }
        let tail = contents[(contents.startIndex + Int(offset))...]
        guard let end = tail.firstIndex(of: 0) else { return false }
        return target.cString(at: base) == Array(tail[..<end])
    }

    /// A `.LC` constant in `.rodata.cstN`: the entry the code reads has the same bytes in the target.
    private func matchesConstant(in section: ELFSection, symbolValue: UInt64, base: UInt64, reach: Int64)
        throws
        -> Bool
    {
        let size = Int64(max(section.entrySize, 1))
        let reached = Int64(bitPattern: symbolValue) + max(reach, 0)
        let entry = (reached + size - 1) / size * size
        guard entry >= 0, entry + size <= Int64(section.size) else { return false }
        let contents = Array(try unit.elf.contents(of: section))
        let mine = Array(contents[Int(entry)..<Int(entry + size)])
        let at = base &+ UInt64(bitPattern: entry - Int64(bitPattern: symbolValue))
        guard let theirs = try? target.bytes(at: at, count: UInt64(size)) else { return false }
        return mine == theirs
    }

    /// Anonymous non-merged data: the item the reference reaches, relocations resolved.
    private func matchesItem(
        in section: ELFSection, symbolValue: UInt64, base: UInt64, reach: Int64, depth: Int
    )
        throws -> Bool
    {
        guard section.type != .nobits else { return false }  // no bytes to compare, no name to bind
        let alignment = Int64(max(min(section.alignment, 8), 1))
        let start = Int64(bitPattern: symbolValue) + max(reach, 0)
        let first = (start + alignment - 1) / alignment * alignment
        guard first >= 0, first < Int64(section.size) else { return false }
        let end = try itemEnd(in: section, after: UInt64(first))
        return try sameBytes(
            in: section, from: UInt64(first), to: end, sectionBase: base &- symbolValue, depth: depth)
    }

    /// Whether the target's bytes for `section[from..<to]`, the section placed at `sectionBase`,
    /// are the object's, every relocation inside resolved and matched in turn.
    private func sameBytes(
        in section: ELFSection, from first: UInt64, to end: UInt64, sectionBase: UInt64, depth: Int
    )
        throws -> Bool
    {
        guard first < end else { return true }
        let contents = Array(try unit.elf.contents(of: section))
        guard end <= UInt64(contents.count),
            let theirs = try? target.bytes(at: sectionBase &+ first, count: end - first)
        else { return false }
        var masked = Set<Int>()
        for relocation in try unit.elf.relocations(for: section) where relocation.type != .none {
            let width = UInt64(relocation.type.width)
            guard relocation.offset + width > first, relocation.offset < end else { continue }
            guard relocation.offset >= first, relocation.offset + width <= end,
                relocation.symbolIndex < unit.symbols.count
            else { return false }
            let at = Int(relocation.offset - first)
            for index in at..<(at + Int(width)) { masked.insert(index) }
            let place = sectionBase &+ relocation.offset
            if case .symbol(let name, let addend)? = try? pointers.pointer(at: place, type: relocation.type) {
                // An imported or preemptible symbol (a symbolic dynamic relocation, bytes 0 in the
                // file): the same name and addend.
                guard unit.symbols[relocation.symbolIndex].name == name, relocation.addend == addend else {
                    return false
                }
                continue
            }
            let symbol = unit.symbols[relocation.symbolIndex]
            if symbol.isDefined, let labels = labels[Int(symbol.sectionIndex)] {
                // (decoder) into a function whose layout differs from the target's: label for label.
                guard let reached = dataReach(relocation, bytes: theirs, at: at, place: place),
                    labels.sameLabel(
                        relocation, symbolValue: symbol.value, reached: reached, place: place, item: first,
                        itemAddress: sectionBase &+ first)
                else { return false }
                continue
            }
            guard let reached = dataReach(relocation, bytes: theirs, at: at, place: place),
                try matches(
                    unit.symbols[relocation.symbolIndex], base: reached,
                    reach: ReferenceMatcher.reach(of: relocation),
                    absolute: [.abs64, .abs32, .abs32s].contains(relocation.type), depth: depth + 1)
            else { return false }
        }
        for index in theirs.indices where !masked.contains(index) {
            if contents[Int(first) + index] != theirs[index] { return false }
        }
        return true
    }

    /// Where the item at `start` ends: the next offset a relocation of the object reaches in
    /// this section, else the section's end.
    private func itemEnd(in section: ELFSection, after start: UInt64) throws -> UInt64 {
        itemStarts[section.index]?.first { $0 > start && $0 < section.size } ?? section.size
    }

    /// Every offset a relocation of the object reaches in each section, sorted (item starts).
    private static func itemStarts(of unit: ObjectUnit) throws -> [Int: [UInt64]] {
        var starts: [Int: Set<UInt64>] = [:]
        for other in unit.elf.sections where other.type == .rela {
            for relocation in try unit.elf.relocations(in: other)
            where relocation.symbolIndex < unit.symbols.count {
                let symbol = unit.symbols[relocation.symbolIndex]
                guard symbol.isDefined, symbol.sectionIndex < 0xff00 else { continue }
                let section = try unit.section(Int(symbol.sectionIndex))
                let alignment = Int64(max(min(section.alignment, 8), 1))
                let offset = Int64(bitPattern: symbol.value) + max(reach(of: relocation), 0)
                let reached = (offset + alignment - 1) / alignment * alignment
                starts[section.index, default: []].insert(UInt64(reached))
            }
        }
        return starts.mapValues { $0.sorted() }
    }

    /// How far past S a relocation points: A + 4 for PC-relative fields, A for absolute ones.
    static func reach(of relocation: ELFRelocation) -> Int64 {
        switch relocation.type {
        case .pc32, .plt32, .gotpcrel, .gotpcrelx, .rexGotpcrelx: return relocation.addend + 4
        default: return relocation.addend
        }
    }

    /// The target's value of S for a relocation inside data at `place` (nil for kinds data
    /// does not hold).
    private func dataReach(_ relocation: ELFRelocation, bytes: [UInt8], at: Int, place: UInt64) -> UInt64? {
        switch relocation.type {
        case .pc32, .plt32:
            let field = Int64(Int32(bitPattern: UInt32(littleEndian: bytes[at..<(at + 4)])))
            return UInt64(bitPattern: field &+ Int64(bitPattern: place) &- relocation.addend)
        case .abs64:
            let field = bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
            return (target.gotRelative[place] ?? field) &- UInt64(bitPattern: relocation.addend)
        case .abs32, .abs32s:
            let raw = UInt32(littleEndian: bytes[at..<(at + 4)])
            let value =
                relocation.type == .abs32 ? UInt64(raw) : UInt64(bitPattern: Int64(Int32(bitPattern: raw)))
            return value &- UInt64(bitPattern: relocation.addend)
        default:
            return nil
        }
    }
}
