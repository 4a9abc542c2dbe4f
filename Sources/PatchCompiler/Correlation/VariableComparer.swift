import Shared

/// Decides exactly whether an object's variable has the initial value of the target's copy:
/// every relocation inside the variable is resolved against the target (what the target's copy
/// holds at that place once loaded, see ``TargetPointers``) and must name the same thing (see
/// ``DataReferenceMatcher``); only then are the remaining bytes compared. This is what lets a
/// table of handlers, a `char *banner`, an ops struct or a vtable count as unchanged although
/// its raw bytes (zeros awaiting relocation in the object) never equal the target's.
struct VariableComparer {
    /// Where and how a variable's initial value differs.
    struct Difference: Equatable {
        /// Byte offset into the variable of the first difference.
        let offset: Int
        /// What differs there, for people ("the target's points to h_get, the fix's to h_set").
        let detail: String
    }

    let target: TargetModule
    let pointers: TargetPointers
    let unit: ObjectUnit

    /// Nil when the object's `variable` starts with the same value as the target's `old`.
    func difference(variable: ELFSymbol, old: TargetModule.Definition) throws -> Difference? {
        guard variable.size == old.symbol.size else {
            return Difference(
                offset: Int(min(variable.size, old.symbol.size)),
                detail: "its size is \(variable.size) bytes, the target's \(old.symbol.size)")
        }
        let mine = try unit.initialBytes(of: variable)
        let theirs = try pointers.initialBytes(of: old)
        let base = pointers.address(of: old)
        let section = try unit.section(Int(variable.sectionIndex))
        let matcher = DataReferenceMatcher(target: target, unit: unit)
        var masked = Set<Int>()
        var first: Difference?
        let relocations = section.type == .nobits ? [] : try unit.elf.relocations(for: section)
        for relocation in relocations.sorted(by: { $0.offset < $1.offset }) where relocation.type != .none {
            guard relocation.offset >= variable.value, relocation.offset < variable.value + variable.size
            else {
                continue
            }
            let at = Int(relocation.offset - variable.value)
            let width = Int(relocation.type.width)
            guard at + width <= mine.count, relocation.symbolIndex < unit.symbols.count else {
                return Difference(offset: at, detail: "a relocation runs past its end")
            }
            masked.formUnion(at..<(at + width))
            let symbol = unit.symbols[relocation.symbolIndex]
            let fixed = try matcher.describe(symbol, addend: relocation.addend)
            guard let pointer = try pointers.pointer(at: base + UInt64(at), type: relocation.type) else {
                first =
                    first
                    ?? Difference(
                        offset: at,
                        detail:
                            "the fix's points to \(fixed) with \(relocation.type), which hotpatch cannot compare"
                    )
                continue
            }
            if try !matcher.matches(symbol, addend: relocation.addend, pointer: pointer) {
                first =
                    first
                    ?? Difference(
                        offset: at,
                        detail: "the target's points to \(matcher.describe(pointer)), the fix's to \(fixed)")
            }
        }
        // The first difference in the variable's order, pointer or plain byte.
        if let byte = (0..<mine.count).first(where: { !masked.contains($0) && mine[$0] != theirs[$0] }),
            byte < (first?.offset ?? Int.max)
        {
            return Difference(offset: byte, detail: bytesDetail(mine: mine, theirs: theirs, at: byte))
        }
        return first
    }

    /// The aligned word around a differing byte in both versions, little-endian as hex.
    private func bytesDetail(mine: [UInt8], theirs: [UInt8], at byte: Int) -> String {
        let start = byte / 8 * 8
        let end = min(start + 8, mine.count)
        func hex(_ bytes: [UInt8]) -> String {
            bytes[start..<end].map {
                String($0, radix: 16).count == 1 ? "0\(String($0, radix: 16))" : String($0, radix: 16)
            }
            .joined(separator: " ")
        }
        return "bytes +\(start)..<+\(end) are \(hex(theirs)) in the target, \(hex(mine)) in the fix"
    }
}
