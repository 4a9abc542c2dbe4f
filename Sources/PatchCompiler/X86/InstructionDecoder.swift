/// Decodes the length and shape of x86-64 instructions (64-bit mode): legacy prefixes, REX, the
/// one-byte, 0F, 0F38 and 0F3A maps, VEX (C4/C5) and EVEX (62), ModRM/SIB/displacement and
/// immediates. Pure and table-driven (``X86OpcodeTables``); it does not name instructions, it
/// finds where each one ends, where it branches, where its RIP-relative field is and whether it
/// is an alignment nop: what comparing two encodings of the same function needs.
enum InstructionDecoder {
    /// Every instruction of `bytes`, decoded one after the other as if placed at `address`;
    /// nil when some byte sequence is not an instruction (or runs past the end).
    static func decodeAll(_ bytes: [UInt8], address: UInt64) -> [X86Instruction]? {
        var instructions: [X86Instruction] = []
        var offset = 0
        while offset < bytes.count {
            guard let instruction = decode(bytes, at: offset, address: address) else { return nil }
            instructions.append(instruction)
            offset = instruction.end
        }
        return instructions
    }

    /// The instruction starting at `bytes[start]`, the bytes placed at `address` (so branch
    /// targets are absolute); nil when it is not a valid 64-bit instruction or is cut off.
    static func decode(_ bytes: [UInt8], at start: Int, address: UInt64) -> X86Instruction? {
        var cursor = Cursor(bytes: bytes, position: start, limit: min(bytes.count, start + 15))
        // Legacy prefixes, any order, then at most one REX right before the opcode.
        var prefixes = Prefixes()
        while let byte = cursor.peek(), prefixes.absorb(byte) { cursor.position += 1 }
        if let byte = cursor.peek(), byte & 0xf0 == 0x40 {
            prefixes.rex = byte
            cursor.position += 1
            // A REX not right before the opcode is ignored by the CPU; objdump shows it as an
            // instruction of its own (`rex.R`), and so does this decoder.
            if let after = cursor.peek(), after & 0xf0 == 0x40 || Prefixes().absorbs(after) {
                return X86Instruction(
                    offset: start, length: cursor.position - start, map: .oneByte, opcode: byte, branch: nil,
                    ripDisplacement: nil, immediateSize: 0, isNop: false)
            }
        }
        guard let opcodeShape = opcode(&cursor, prefixes: &prefixes) else { return nil }
        let (map, opcode, vex) = opcodeShape
        guard let hasModRM = X86OpcodeTables.hasModRM(map: map, opcode: opcode, vex: vex) else { return nil }
        var operand = Operand()
        if hasModRM {
            guard let decoded = modRM(&cursor, start: start) else { return nil }
            operand = decoded
        }
        let immediate = X86OpcodeTables.immediate(map: map, opcode: opcode, vex: vex)
        guard let size = immediateSize(immediate, prefixes: prefixes, operand: operand) else { return nil }
        let field = cursor.position - start
        cursor.position += size
        guard cursor.position <= cursor.limit else { return nil }
        let length = cursor.position - start
        let branch = branchOf(
            map: map, opcode: opcode, vex: vex, immediate: immediate, bytes: bytes, start: start,
            field: field,
            size: size, next: address &+ UInt64(start + length), modRM: operand.modRM)
        return X86Instruction(
            offset: start, length: length, map: map, opcode: opcode, branch: branch,
            ripDisplacement: operand.ripDisplacement, immediateSize: branch == nil ? size : 0,
            isNop: isNop(
                map: map, opcode: opcode, vex: vex, prefixes: prefixes, operand: operand, bytes: bytes))
    }

    /// Reads bytes without running past the 15-byte limit or the end of the buffer.
    private struct Cursor {
        let bytes: [UInt8]
        var position: Int
        let limit: Int

        func peek() -> UInt8? { position < limit ? bytes[position] : nil }

        mutating func next() -> UInt8? {
            guard position < limit else { return nil }
            defer { position += 1 }
            return bytes[position]
        }
    }

    /// The prefixes seen before the opcode (only those that change lengths or meanings here).
    private struct Prefixes {
        var operandSize = false
        var addressSize = false
        var repeatPrefix: UInt8 = 0
        var rex: UInt8 = 0
        /// VEX/EVEX's W bit, which plays REX.W's part.
        var vexW = false

        var rexW: Bool { rex & 0x08 != 0 || vexW }

        /// Whether `byte` is a legacy prefix.
        func absorbs(_ byte: UInt8) -> Bool {
            var copy = self
            return copy.absorb(byte)
        }

        /// Records `byte` if it is a legacy prefix.
        mutating func absorb(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x66: operandSize = true
            case 0x67: addressSize = true
            case 0xf2, 0xf3: repeatPrefix = byte
            case 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65: break
            default: return false
            }
            return true
        }
    }

    /// The opcode's map and byte, reading the 0F escapes or a VEX/EVEX prefix first; the third
    /// value is true for VEX/EVEX encodings.
    private static func opcode(_ cursor: inout Cursor, prefixes: inout Prefixes)
        -> (X86OpcodeMap, UInt8, Bool)?
    {
        guard let first = cursor.next() else { return nil }
        switch first {
        case 0x0f:
            guard let second = cursor.next() else { return nil }
            if second == 0x38 || second == 0x3a {
                guard let third = cursor.next() else { return nil }
                return (second == 0x38 ? .map0F38 : .map0F3A, third, false)
            }
            return (.map0F, second, false)
        case 0xc5:
            // Two-byte VEX: R vvvv L pp, always map 0F.
            guard prefixes.rex == 0, cursor.next() != nil, let opcode = cursor.next() else { return nil }
            return (.map0F, opcode, true)
        case 0xc4:
            // Three-byte VEX: RXB mmmmm, W vvvv L pp.
            guard prefixes.rex == 0, let payload = cursor.next(), let second = cursor.next(),
                let map = X86OpcodeMap(rawValue: payload & 0x1f), (1...3).contains(map.rawValue),
                let opcode = cursor.next()
            else { return nil }
            prefixes.vexW = second & 0x80 != 0
            return (map, opcode, true)
        case 0x62:
            // EVEX: R X B R' 0 mmm, W vvvv 1 pp, z L'L b V' aaa.
            guard prefixes.rex == 0, let payload = cursor.next(), let second = cursor.next(),
                cursor.next() != nil, let map = X86OpcodeMap(rawValue: payload & 0x07), map != .oneByte,
                let opcode = cursor.next()
            else { return nil }
            prefixes.vexW = second & 0x80 != 0
            return (map, opcode, true)
        default:
            return (.oneByte, first, false)
        }
    }

    /// The ModRM operand as decoded: its fields and where a RIP-relative displacement is.
    private struct Operand {
        var modRM: UInt8?
        var sib: UInt8?
        /// Offset of the ModRM byte in the instruction.
        var at = 0
        var ripDisplacement: Int?
        var displacementSize = 0
        /// Where the displacement starts in the decoded bytes.
        var displacementAt = 0

        /// Whether the displacement is present and zero.
        func displacementIsZero(_ bytes: [UInt8]) -> Bool {
            displacementSize > 0
                && bytes[displacementAt..<(displacementAt + displacementSize)].allSatisfy { $0 == 0 }
        }

        var mod: UInt8 { (modRM ?? 0) >> 6 }
        var reg: UInt8 { ((modRM ?? 0) >> 3) & 7 }
        var rm: UInt8 { (modRM ?? 0) & 7 }
    }

    /// ModRM, SIB and displacement (64- or 32-bit addressing: the same shapes in 64-bit mode).
    private static func modRM(_ cursor: inout Cursor, start: Int) -> Operand? {
        var operand = Operand()
        operand.at = cursor.position - start
        guard let modRM = cursor.next() else { return nil }
        operand.modRM = modRM
        guard operand.mod != 3 else { return operand }
        if operand.rm == 4 {
            guard let sib = cursor.next() else { return nil }
            operand.sib = sib
            if operand.mod == 0 && sib & 7 == 5 { operand.displacementSize = 4 }
        } else if operand.mod == 0 && operand.rm == 5 {
            operand.ripDisplacement = cursor.position - start
            operand.displacementSize = 4
        }
        if operand.mod == 1 { operand.displacementSize = 1 }
        if operand.mod == 2 { operand.displacementSize = 4 }
        operand.displacementAt = cursor.position
        cursor.position += operand.displacementSize
        return cursor.position <= cursor.limit ? operand : nil
    }

    /// The immediate's size in bytes; nil for opcodes invalid in 64-bit mode.
    private static func immediateSize(
        _ immediate: X86OpcodeTables.Immediate, prefixes: Prefixes, operand: Operand
    )
        -> Int?
    {
        let wordOrDword = prefixes.operandSize && !prefixes.rexW ? 2 : 4
        switch immediate {
        case .none: return 0
        case .byte, .relative8: return 1
        case .word: return 2
        case .wordOrDword: return wordOrDword
        case .full: return prefixes.rexW ? 8 : wordOrDword
        case .offset: return prefixes.addressSize ? 4 : 8
        case .enter: return 3
        case .relative32: return 4
        case .testByte: return operand.reg < 2 ? 1 : 0
        case .testWordOrDword: return operand.reg < 2 ? wordOrDword : 0
        case .invalid: return nil
        }
    }

    /// The branch an instruction at `bytes[start]` makes with the relative displacement at
    /// `field` (in the instruction, `size` bytes), if it is one; `next` is the following address.
    private static func branchOf(
        map: X86OpcodeMap, opcode: UInt8, vex: Bool, immediate: X86OpcodeTables.Immediate, bytes: [UInt8],
        start: Int, field: Int, size: Int, next: UInt64, modRM: UInt8?
    ) -> X86Branch? {
        // xbegin (C7 F8) is `mov $imm, %eax`'s encoding with a relative abort address.
        let transaction = !vex && map == .oneByte && opcode == 0xc7 && modRM == 0xf8
        guard !vex, immediate == .relative8 || immediate == .relative32 || transaction else { return nil }
        let at = start + field
        let displacement: Int64 =
            size == 1
            ? Int64(Int8(bitPattern: bytes[at]))
            : size == 2
                ? Int64(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
                : Int64(Int32(bitPattern: UInt32(littleEndian: bytes[at..<(at + 4)])))
        let kind: X86BranchKind
        switch (map, opcode) {
        case (.oneByte, 0x70...0x7f), (.map0F, 0x80...0x8f): kind = .conditional(opcode & 0x0f)
        case (.oneByte, 0xeb), (.oneByte, 0xe9): kind = .jump
        case (.oneByte, 0xe8): kind = .call
        case (.oneByte, 0xe0...0xe3): kind = .loop(opcode)
        case (.oneByte, 0xc7): kind = .transaction
        default: return nil
        }
        return X86Branch(kind: kind, target: next &+ UInt64(bitPattern: displacement), field: field)
    }

    /// Whether the instruction only pads: `nop` (90, not `pause` or `xchg %r8`), `nopw/nopl`
    /// (0F 1F /0) with any prefixes, `lea 0(%reg),%reg` with REX.W.
    private static func isNop(
        map: X86OpcodeMap, opcode: UInt8, vex: Bool, prefixes: Prefixes, operand: Operand, bytes: [UInt8]
    ) -> Bool {
        guard !vex else { return false }
        switch (map, opcode) {
        case (.oneByte, 0x90):
            return prefixes.rex & 0x01 == 0 && prefixes.repeatPrefix != 0xf3
        case (.map0F, 0x1f):
            return operand.reg == 0
        case (.oneByte, 0x8d):
            // lea 0(%rsi),%rsi: a 64-bit lea of a register plus zero into itself, no index.
            guard prefixes.rex & 0x08 != 0, !prefixes.addressSize, operand.mod == 1 || operand.mod == 2
            else { return false }
            var base = operand.rm
            if let sib = operand.sib {
                guard (sib >> 3) & 7 == 4, prefixes.rex & 0x02 == 0 else { return false }
                base = sib & 7
            }
            let destination = operand.reg | (prefixes.rex & 0x04 != 0 ? 8 : 0)
            return base | (prefixes.rex & 0x01 != 0 ? 8 : 0) == destination
                && operand.displacementIsZero(bytes)
        default:
            return false
        }
    }
}
