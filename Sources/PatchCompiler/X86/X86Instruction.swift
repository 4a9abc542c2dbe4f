/// One decoded x86-64 instruction: its length and the parts of it that two encodings of the same
/// code may legitimately disagree on (a branch's displacement width, a RIP-relative field, the
/// filler nops between them). Produced by ``InstructionDecoder``.
struct X86Instruction: Equatable, Sendable {
    /// Where it starts, as an offset into the decoded bytes.
    let offset: Int
    /// Its length in bytes (1...15).
    let length: Int
    /// Which opcode table the opcode byte belongs to.
    let map: X86OpcodeMap
    /// The opcode byte inside `map`.
    let opcode: UInt8
    /// A direct relative branch (jmp, jcc, call, loop, jrcxz, xbegin) and where it goes; nil for others.
    let branch: X86Branch?
    /// Where a RIP-relative operand's 32-bit displacement sits, as an offset into the instruction.
    let ripDisplacement: Int?
    /// The size of the immediate after the ModRM operand (so RIP-relative fields end `4 + size`
    /// bytes before the instruction does).
    let immediateSize: Int
    /// Whether it does nothing and is only there to align what follows (`nop`, `xchg %ax,%ax`,
    /// `nopw/nopl` with any prefixes, `lea 0(%rsi),%rsi`).
    let isNop: Bool

    /// The offset just past the instruction.
    var end: Int { offset + length }
}

/// The opcode tables of x86-64: the legacy one- and two-byte maps and the three-byte maps, also
/// reached through VEX and EVEX prefixes (map 5 and 6 only through EVEX).
enum X86OpcodeMap: UInt8, Sendable {
    case oneByte = 0
    case map0F = 1
    case map0F38 = 2
    case map0F3A = 3
    case map4 = 4
    case map5 = 5
    case map6 = 6
    case map7 = 7
}

/// A direct relative branch: what kind it is and the absolute address it goes to.
struct X86Branch: Equatable, Sendable {
    /// jmp, call, jcc with its condition, or one of the rel8-only loop forms.
    let kind: X86BranchKind
    /// The address the branch reaches (the decoded bytes placed at the decoder's address).
    let target: UInt64
    /// Where the displacement sits, as an offset into the instruction (it always ends it).
    let field: Int
}

/// The kinds of relative branch: two branches do the same thing when their kinds and targets
/// correspond, whatever the width of their displacement.
enum X86BranchKind: Hashable, Sendable, CustomStringConvertible {
    /// `jmp rel8` (EB) or `jmp rel32` (E9).
    case jump
    /// `call rel32` (E8).
    case call
    /// `jcc rel8` (70+cc) or `jcc rel32` (0F 80+cc), with the condition code cc.
    case conditional(UInt8)
    /// `loopne`, `loope`, `loop`, `jrcxz` (E0-E3), by opcode.
    case loop(UInt8)
    /// `xbegin rel32` (C7 F8): the abort handler's address is relative like a branch's.
    case transaction

    /// A short name for messages.
    var description: String {
        switch self {
        case .jump: return "jmp"
        case .call: return "call"
        case .conditional(let condition): return "jcc(\(condition))"
        case .loop(let opcode): return "loop(\(opcode))"
        case .transaction: return "xbegin"
        }
    }
}
