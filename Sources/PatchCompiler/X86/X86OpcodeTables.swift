/// What the x86-64 opcode maps say about each opcode byte: whether a ModRM operand follows and
/// what immediate comes after it (Intel SDM vol. 2, appendix A). Written as one character per
/// opcode, sixteen to a row, so a row can be checked against the manual's opcode map at a glance.
enum X86OpcodeTables {
    /// How an opcode's immediate (or relative displacement) is sized.
    enum Immediate: Sendable {
        case none
        case byte
        case word
        /// 2 bytes with an operand-size prefix, otherwise 4.
        case wordOrDword
        /// `mov reg, imm` (B8+r): 8 bytes with REX.W, 2 with 66, otherwise 4.
        case full
        /// `mov moffs` (A0-A3): an 8-byte address, 4 with an address-size prefix.
        case offset
        /// `enter`: 2 + 1 bytes.
        case enter
        /// A rel8 branch displacement.
        case relative8
        /// A rel32 branch displacement.
        case relative32
        /// Group 3 (F6/F7): an immediate only for `test` (ModRM reg 0 or 1); byte or word/dword.
        case testByte
        case testWordOrDword
        /// Not an instruction in 64-bit mode.
        case invalid
    }

    // 'm' ModRM follows, '.' none, 'x' invalid in 64-bit mode (prefixes and escapes never reach it).
    private static let oneByteModRM = table(
        "mmmm..xxmmmm..x.", "mmmm..xxmmmm..xx", "mmmm..xxmmmm..xx", "mmmm..xxmmmm..xx",
        "xxxxxxxxxxxxxxxx", "................", "xxxm.....m.m....", "................",
        "mmxmmmmmmmmmmmmm", "..........x.....", "................", "................",
        "mm....mm......x.", "mmmmxxx.mmmmmmmm", "..........x.....", "......mm......mm")

    // 'b' imm8, 'w' imm16, 'z' imm16/32, 'v' imm16/32/64, 'o' moffs, 'e' enter, 'r' rel8,
    // 'R' rel32, 'f'/'F' group 3 test imm8/imm16/32.
    private static let oneByteImmediate = table(
        "....bz......bz..", "....bz......bz..", "....bz......bz..", "....bz......bz..",
        "................", "................", "........zzbb....", "rrrrrrrrrrrrrrrr",
        "bz.b............", "................", "oooo....bz......", "bbbbbbbbvvvvvvvv",
        "bbw...bze.w..b..", "................", "rrrrbbbbRR.r....", "......fF........")

    private static let twoByteModRM = table(
        "mmmmx.....x.xm.m", "mmmmmmmmmmmmmmmm", "mmmmxxxxmmmmmmmm", ".........x.xxxxx",
        "mmmmmmmmmmmmmmmm", "mmmmmmmmmmmmmmmm", "mmmmmmmmmmmmmmmm", "mmmmmmm.mmxxmmmm",
        "................", "mmmmmmmmmmmmmmmm", "...mmmxx...mmmmm", "mmmmmmmmmmmmmmmm",
        "mmmmmmmm........", "mmmmmmmmmmmmmmmm", "mmmmmmmmmmmmmmmm", "mmmmmmmmmmmmmmmm")

    private static let twoByteImmediate = table(
        "...............b", "................", "................", "................",
        "................", "................", "................", "bbbb............",
        "RRRRRRRRRRRRRRRR", "................", "....b.......b...", "..........b.....",
        "..b.bbb.........", "................", "................", "................")

    /// Whether `opcode` of `map` is followed by a ModRM byte; nil when it is not an instruction.
    /// `vex` is true for VEX/EVEX-encoded opcodes (every one takes ModRM except `vzeroupper/all`).
    static func hasModRM(map: X86OpcodeMap, opcode: UInt8, vex: Bool) -> Bool? {
        switch map {
        case .oneByte:
            return flag(oneByteModRM[Int(opcode)])
        case .map0F:
            if vex { return opcode != 0x77 }
            return flag(twoByteModRM[Int(opcode)])
        default:
            return true
        }
    }

    /// The immediate that follows `opcode` of `map` (legacy or VEX/EVEX).
    static func immediate(map: X86OpcodeMap, opcode: UInt8, vex: Bool) -> Immediate {
        switch map {
        case .oneByte:
            return immediate(oneByteImmediate[Int(opcode)])
        case .map0F:
            if vex {
                return [0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6].contains(opcode) ? .byte : .none
            }
            return immediate(twoByteImmediate[Int(opcode)])
        case .map0F3A:
            return .byte
        default:
            return .none
        }
    }

    private static func flag(_ code: UInt8) -> Bool? {
        switch code {
        case UInt8(ascii: "m"): return true
        case UInt8(ascii: "x"): return nil
        default: return false
        }
    }

    private static func immediate(_ code: UInt8) -> Immediate {
        switch code {
        case UInt8(ascii: "b"): return .byte
        case UInt8(ascii: "w"): return .word
        case UInt8(ascii: "z"): return .wordOrDword
        case UInt8(ascii: "v"): return .full
        case UInt8(ascii: "o"): return .offset
        case UInt8(ascii: "e"): return .enter
        case UInt8(ascii: "r"): return .relative8
        case UInt8(ascii: "R"): return .relative32
        case UInt8(ascii: "f"): return .testByte
        case UInt8(ascii: "F"): return .testWordOrDword
        case UInt8(ascii: "x"): return .invalid
        default: return .none
        }
    }

    /// Sixteen rows of sixteen characters as one 256-entry lookup table.
    private static func table(_ rows: String...) -> [UInt8] {
        let all = rows.flatMap { Array($0.utf8) }
        precondition(rows.count == 16 && all.count == 256, "an opcode table has 16 rows of 16")
        return all
    }
}
