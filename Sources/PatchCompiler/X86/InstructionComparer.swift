import Shared

/// Compares an object's function with the target's instruction by instruction, for targets built
/// without `-ffunction-sections`: there the assembler resolves jumps and calls inside the one
/// `.text` itself and shortens them to rel8 when close, and pads loops with other nops, so the
/// same instructions have other encodings and sizes than in the fix's object.
///
/// Both are decoded with the object's function placed at the target function's address; nops on
/// either side are skipped. Two instructions are equal when
/// - both are relative branches of the same kind (jmp, call, jcc with the same condition, loop)
///   whose targets correspond: for the object, its relocation's symbol + addend (matched like
///   every relocation, by ``ReferenceMatcher``) or, when the assembler resolved it, a label of the
///   function; for the target, the decoded address. A label corresponds to a label when both are
///   the same instruction after nops are skipped (or both the function's end);
/// - otherwise they have the same length and bytes, each relocated field reaching the same thing
///   (``FunctionComparer/reachesSame(_:_:)``, so GOT relaxations are accepted as before) and each
///   RIP-relative field the assembler resolved reaching the same label.
struct InstructionComparer {
    /// The byte comparer whose relocation logic this reuses.
    let comparer: FunctionComparer

    /// Nil when the two functions are the same instructions; otherwise the first instruction that
    /// differs, with both versions' offsets and bytes.
    func difference(function: ELFSymbol, old: TargetModule.Definition) throws -> String? {
        let unit = comparer.unit
        let (section, mineBytes) = try unit.code(of: function)
        let address = old.symbol.value
        let theirBytes = try comparer.target.bytes(at: address, count: old.symbol.size)
        guard let mine = InstructionDecoder.decodeAll(mineBytes, address: address).map(Code.init) else {
            return
                "\(function.size) bytes, the target's has \(old.symbol.size); the object's code does not decode"
        }
        guard let theirs = InstructionDecoder.decodeAll(theirBytes, address: address).map(Code.init) else {
            return
                "\(function.size) bytes, the target's has \(old.symbol.size); the target's code does not decode"
        }
        var relocations: [ELFRelocation] = []
        for relocation in try unit.elf.relocations(for: section)
        where relocation.offset >= function.value && relocation.offset < function.value + function.size {
            relocations.append(relocation)
        }
        // Data pointing back into the function (switch tables) is matched label for label.
        let labels = LabelCorrespondence(
            mine: mine, theirs: theirs, sectionOffset: function.value, address: address)
        let relabeled = FunctionComparer(
            target: comparer.target, unit: unit,
            matcher: comparer.matcher.relabeled([Int(function.sectionIndex): labels]))
        let walk = Walk(
            comparer: relabeled, address: address, mine: mine, theirs: theirs, mineBytes: mineBytes,
            theirBytes: theirBytes, relocations: relocations, functionStart: function.value)
        return try walk.firstDifference()
    }

    /// A function's instructions with the nops taken out, and where each label lands.
    struct Code {
        /// The instructions that are not nops, in order.
        let real: [X86Instruction]
        /// Offset of every instruction (nops included) and of the end -> index into `real` of the
        /// first non-nop at or after it (`real.count` for the end).
        let labels: [Int: Int]

        init(_ instructions: [X86Instruction]) {
            var real: [X86Instruction] = []
            var labels: [Int: Int] = [:]
            var pending: [Int] = []
            for instruction in instructions {
                pending.append(instruction.offset)
                guard !instruction.isNop else { continue }
                for offset in pending { labels[offset] = real.count }
                pending.removeAll()
                real.append(instruction)
            }
            pending.append(instructions.last?.end ?? 0)
            for offset in pending { labels[offset] = real.count }
            self.real = real
            self.labels = labels
        }
    }
}

/// One comparison of two decoded functions, instruction by instruction.
private struct Walk {
    let comparer: FunctionComparer
    let address: UInt64
    let mine: InstructionComparer.Code
    let theirs: InstructionComparer.Code
    let mineBytes: [UInt8]
    let theirBytes: [UInt8]
    let relocations: [ELFRelocation]
    let functionStart: UInt64

    /// The first instruction that differs. A branch to another label is reported only when
    /// nothing else differs: when the code differs, its branches go to shifted labels first.
    func firstDifference() throws -> String? {
        var firstBranch: String?
        for index in 0..<min(mine.real.count, theirs.real.count) {
            let ours = mine.real[index]
            let their = theirs.real[index]
            guard let why = try difference(ours, their) else { continue }
            let message =
                "\(why) at instruction \(index) (+\(ours.offset): \(hex(ours, mineBytes)); "
                + "the target's +\(their.offset): \(hex(their, theirBytes)))"
            guard why.hasSuffix(Walk.elsewhere) else { return message }
            firstBranch = firstBranch ?? message
        }
        if mine.real.count < theirs.real.count {
            return "the target has more instructions (from +\(theirs.real[mine.real.count].offset))"
        }
        if mine.real.count > theirs.real.count {
            return "the object has more instructions (from +\(mine.real[theirs.real.count].offset))"
        }
        if let firstBranch { return firstBranch }
        for relocation in relocations where !covered(relocation) {
            return "a relocation at +\(relocation.offset - functionStart) lies in padding"
        }
        return nil
    }

    /// How a branch to another label of the function ends its reason.
    private static let elsewhere = "goes elsewhere"

    /// Why two instructions at the same index differ, nil when they are the same.
    private func difference(_ ours: X86Instruction, _ their: X86Instruction) throws -> String? {
        let mineBytes = Array(self.mineBytes[ours.offset..<ours.end])
        let theirBytes = Array(self.theirBytes[their.offset..<their.end])
        let inside = relocations.filter { within($0, ours) }
        for relocation in inside
        where Int(relocation.offset - functionStart) + Int(relocation.type.width) > ours.end {
            return "a relocation runs past the instruction"
        }
        if let branch = ours.branch, let other = their.branch, branch.kind == other.kind {
            return try branchDifference(branch, other, relocations: inside, at: ours)
        }
        guard ours.length == their.length else { return "code differs" }
        var masked = Set<Int>()
        for relocation in inside {
            let field = Int(relocation.offset - functionStart) - ours.offset
            let place = FunctionComparer.Place(
                offset: field, address: address &+ UInt64(their.offset + field), mine: mineBytes,
                theirs: theirBytes)
            let (same, relaxed) = try comparer.reachesSame(relocation, place)
            guard same else {
                return "its reference to \(comparer.describeTarget(relocation)) reaches something else"
            }
            masked.formUnion(field..<(field + Int(relocation.type.width)))
            masked.formUnion(relaxed)
        }
        if let field = ours.ripDisplacement, !masked.contains(field) {
            // The assembler resolved it: a label of this function (a relocation names anything else).
            guard their.ripDisplacement == field,
                sameLabel(ripTarget(ours, mineBytes, field), ripTarget(their, theirBytes, field))
            else { return "its RIP-relative operand reaches another place" }
            masked.formUnion(field..<(field + 4))
        }
        for index in mineBytes.indices where !masked.contains(index) && mineBytes[index] != theirBytes[index]
        {
            return "code differs"
        }
        return nil
    }

    /// Two branches of one kind: the same label of the function, or what the relocation names.
    private func branchDifference(
        _ branch: X86Branch, _ other: X86Branch, relocations: [ELFRelocation], at ours: X86Instruction
    ) throws -> String? {
        guard let relocation = relocations.first else {
            return sameLabel(branch.target, other.target) ? nil : "its \(branch.kind) \(Walk.elsewhere)"
        }
        guard relocations.count == 1, relocation.type == .pc32 || relocation.type == .plt32,
            Int(relocation.offset - functionStart) == ours.offset + branch.field,
            ours.length - branch.field == 4,
            relocation.symbolIndex < comparer.unit.symbols.count
        else { return "its \(branch.kind) is relocated in an unexpected way" }
        // The field is the instruction's last 4 bytes: S = target - (A + 4) (see reachesSame).
        let reach = relocation.addend + 4
        let base = other.target &- UInt64(bitPattern: reach)
        let same = try comparer.matcher.matches(
            comparer.unit.symbols[relocation.symbolIndex], base: base, reach: reach)
        return same
            ? nil : "its \(branch.kind) to \(comparer.describeTarget(relocation)) reaches something else"
    }

    /// Whether two addresses (object placed at the target's address) are the same label.
    private func sameLabel(_ ours: UInt64, _ their: UInt64) -> Bool {
        guard let mineIndex = label(ours, in: mine), let theirIndex = label(their, in: theirs) else {
            return false
        }
        return mineIndex == theirIndex
    }

    private func label(_ target: UInt64, in code: InstructionComparer.Code) -> Int? {
        guard target >= address, target - address <= UInt64(Int.max) else { return nil }
        return code.labels[Int(target - address)]
    }

    private func ripTarget(_ instruction: X86Instruction, _ bytes: [UInt8], _ field: Int) -> UInt64 {
        let displacement = Int64(Int32(bitPattern: UInt32(littleEndian: bytes[field..<(field + 4)])))
        return address &+ UInt64(instruction.end) &+ UInt64(bitPattern: displacement)
    }

    private func within(_ relocation: ELFRelocation, _ instruction: X86Instruction) -> Bool {
        let offset = Int(relocation.offset - functionStart)
        return offset >= instruction.offset && offset < instruction.end
    }

    /// Whether a relocation lies in an instruction that was compared (not in a nop).
    private func covered(_ relocation: ELFRelocation) -> Bool {
        mine.real.contains { within(relocation, $0) }
    }

    private func hex(_ instruction: X86Instruction, _ bytes: [UInt8]) -> String {
        bytes[instruction.offset..<instruction.end].map {
            $0 < 16 ? "0\(String($0, radix: 16))" : String($0, radix: 16)
        }
        .joined(separator: " ")
    }
}
