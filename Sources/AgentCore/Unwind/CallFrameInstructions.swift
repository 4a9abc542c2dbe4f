/// Why a call-frame program could not be followed. The walk then gives up on that thread, and
/// the safe-point check stays as conservative as it was without a walk.
struct UnwindStop: Error, Equatable, CustomStringConvertible {
    /// What was not understood, and where.
    let reason: String
    var description: String { reason }
    init(_ reason: String) { self.reason = reason }
}

/// Where a caller's value of one register is, at one address of a callee (a DWARF CFA rule).
enum RegisterRule: Equatable {
    /// Unchanged by the callee so far (not saved yet, or restored).
    case sameValue
    /// Saved in memory at CFA + the offset.
    case savedAt(Int64)
    /// No value: for the return address column, the outermost frame.
    case undefined
    /// A rule the walk does not follow (an expression, another register, a value rule).
    case unknown
}

/// The row of the call-frame table at one address: how to find the CFA and where registers were saved.
struct FrameRule: Equatable {
    /// DWARF register the CFA is computed from (x86-64: 6 rbp, 7 rsp).
    var cfaRegister: UInt16 = 7
    /// Added to it.
    var cfaOffset: Int64 = 8
    /// Rules that differ from `sameValue` (DWARF register number: rule).
    var registers: [UInt16: RegisterRule] = [:]

    /// The rule for `register` (unlisted: `sameValue`).
    func rule(_ register: UInt16) -> RegisterRule { registers[register] ?? .sameValue }
}

/// A parsed Common Information Entry: what every FDE that points to it shares.
struct CommonInformation {
    /// Multiplier of advance operands.
    let codeAlignment: UInt64
    /// Multiplier of offset operands.
    let dataAlignment: Int64
    /// The return address column (16 on x86-64).
    let returnAddressRegister: UInt16
    /// How FDE pc_begin/pc_range are encoded (`DW_EH_PE_*`).
    let pointerEncoding: UInt8
    /// True with a `z` augmentation: FDEs carry an augmentation-data length.
    let hasAugmentationData: Bool
    /// True with an `S` augmentation (a signal frame: the walk gives up there).
    let isSignalFrame: Bool
    /// The initial instructions (indices into the section bytes).
    let initialInstructions: Range<Int>
}

/// Reads DWARF `.eh_frame` data (ULEB/SLEB, encoded pointers) from section bytes whose index 0
/// is at `sectionAddress`. Every read is bounds-checked and throws ``UnwindStop`` past the end.
struct CFIReader {
    /// The section bytes.
    let bytes: [UInt8]
    /// The linked address of `bytes[0]` (pc-relative pointers are relative to it).
    let sectionAddress: UInt64
    /// The next byte to read.
    var at: Int
    /// Where reading must stop (the end of the current entry).
    var limit: Int

    mutating func u8() throws(UnwindStop) -> UInt8 {
        guard at < limit else { throw UnwindStop("call-frame data ends inside an entry at offset \(at)") }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func fixed(_ count: Int) throws(UnwindStop) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(try u8()) << (8 * UInt64(index)) }
        return value
    }
    mutating func uleb() throws(UnwindStop) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            if shift < 64 { value |= UInt64(byte & 0x7f) << shift }
            shift += 7
            if byte & 0x80 == 0 { return value }
        }
    }
    mutating func sleb() throws(UnwindStop) -> Int64 {
        var value: Int64 = 0
        var shift: Int64 = 0
        var byte: UInt8 = 0
        repeat {
            byte = try u8()
            if shift < 64 { value |= Int64(byte & 0x7f) << shift }
            shift += 7
        } while byte & 0x80 != 0
        if shift < 64 && byte & 0x40 != 0 { value |= -(Int64(1) << shift) }
        return value
    }
    /// A pointer in `encoding` (`DW_EH_PE_*`); `applyBase` false for pc_range (format only).
    mutating func pointer(_ encoding: UInt8, applyBase: Bool = true) throws(UnwindStop) -> UInt64 {
        let place = sectionAddress &+ UInt64(at)
        var value: UInt64
        switch encoding & 0x0f {
        case 0x00: value = try fixed(8)
        case 0x01: value = try uleb()
        case 0x02: value = try fixed(2)
        case 0x03: value = try fixed(4)
        case 0x04, 0x0c: value = try fixed(8)
        case 0x09: value = UInt64(bitPattern: try sleb())
        case 0x0a: value = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: try fixed(2))))
        case 0x0b: value = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: try fixed(4))))
        default: throw UnwindStop("pointer encoding 0x\(String(encoding, radix: 16)) not supported")
        }
        guard applyBase else { return value }
        switch encoding & 0x70 {
        case 0x00: break
        case 0x10: value = value &+ place
        default: throw UnwindStop("pointer base 0x\(String(encoding & 0x70, radix: 16)) not supported")
        }
        guard encoding & 0x80 == 0 else { throw UnwindStop("indirect pointer not supported") }
        return value
    }
}

/// The DWARF call-frame instruction interpreter (pure): runs a CIE's initial instructions and
/// an FDE's instructions up to an address and gives the row there.
enum CallFrameInstructions {
    /// Registers whose rules the walk follows (rbx, rbp, rsp, r12-r15, return address); a rule
    /// the walk cannot follow for one of them is recorded as `unknown`, never guessed.
    static let tracked: Set<UInt16> = [3, 6, 7, 12, 13, 14, 15, 16]

    /// The row at `pc` of the FDE starting at `pcBegin` whose instructions are `instructions`.
    static func row(
        at pc: UInt64, cie: CommonInformation, pcBegin: UInt64, instructions: Range<Int>, in bytes: [UInt8],
        sectionAddress: UInt64
    ) throws(UnwindStop) -> FrameRule {
        guard !cie.isSignalFrame else { throw UnwindStop("signal frame") }
        let reader = CFIReader(
            bytes: bytes, sectionAddress: sectionAddress, at: cie.initialInstructions.lowerBound,
            limit: cie.initialInstructions.upperBound)
        var machine = Machine(reader: reader, cie: cie, location: pcBegin, until: UInt64.max)
        try machine.run()
        let initial = machine.rule
        machine.initial = initial
        machine.reader.at = instructions.lowerBound
        machine.reader.limit = instructions.upperBound
        machine.location = pcBegin
        machine.until = pc
        machine.remembered = []
        try machine.run()
        return machine.rule
    }

    /// The interpreter's state: the row being built, the location it describes, the CIE's row
    /// (for `restore`) and the `remember_state` stack.
    private struct Machine {
        var reader: CFIReader
        let cie: CommonInformation
        var location: UInt64
        /// Stop once the location passes this address.
        var until: UInt64
        var rule = FrameRule()
        var initial: FrameRule? = nil
        var remembered: [FrameRule] = []

        /// Runs instructions until the location passes `until` or the instructions end.
        mutating func run() throws(UnwindStop) {
            while reader.at < reader.limit {
                if try step(try reader.u8()) { return }
            }
        }

        private mutating func set(_ register: UInt64, _ value: RegisterRule) {
            if register < 64 { rule.registers[UInt16(register)] = value }
        }
        private mutating func restore(_ register: UInt64) {
            if register < 64 { rule.registers[UInt16(register)] = initial?.registers[UInt16(register)] }
        }
        /// Moves the location; true when it passed `until` (the row is complete).
        private mutating func advance(_ delta: UInt64) -> Bool {
            location = location &+ delta &* cie.codeAlignment
            return location > until
        }

        /// Runs one instruction; true when the row is complete.
        private mutating func step(_ opcode: UInt8) throws(UnwindStop) -> Bool {
            let data = cie.dataAlignment
            switch opcode >> 6 {
            case 1: return advance(UInt64(opcode & 0x3f))
            case 2: set(UInt64(opcode & 0x3f), .savedAt(Int64(bitPattern: try reader.uleb()) &* data))
            case 3: restore(UInt64(opcode & 0x3f))
            default:
                switch opcode {
                case 0x02: return advance(try reader.fixed(1))
                case 0x03: return advance(try reader.fixed(2))
                case 0x04: return advance(try reader.fixed(4))
                default: try extended(opcode)
                }
            }
            return false
        }

        /// The instructions other than advances and the compact offset/restore forms.
        private mutating func extended(_ opcode: UInt8) throws(UnwindStop) {
            let data = cie.dataAlignment
            switch opcode {
            case 0x00: break  // nop
            case 0x05: set(try reader.uleb(), .savedAt(Int64(bitPattern: try reader.uleb()) &* data))
            case 0x06: restore(try reader.uleb())
            case 0x07: set(try reader.uleb(), .undefined)
            case 0x08: set(try reader.uleb(), .sameValue)
            case 0x09:  // register: held in another register
                let register = try reader.uleb()
                _ = try reader.uleb()
                set(register, .unknown)
            case 0x0a: remembered.append(rule)
            case 0x0b:
                guard let state = remembered.popLast() else { throw UnwindStop("restore_state without remember_state") }
                rule = state  // the CFA rule is part of the remembered row too
            case 0x0c:
                rule.cfaRegister = UInt16(truncatingIfNeeded: try reader.uleb())
                rule.cfaOffset = Int64(bitPattern: try reader.uleb())
            case 0x0d: rule.cfaRegister = UInt16(truncatingIfNeeded: try reader.uleb())
            case 0x0e: rule.cfaOffset = Int64(bitPattern: try reader.uleb())
            case 0x0f: throw UnwindStop("CFA defined by an expression")
            case 0x10, 0x16:  // expression, val_expression: the register's value is not followed
                let register = try reader.uleb()
                let length = Int(try reader.uleb())
                guard length <= reader.limit - reader.at else { throw UnwindStop("expression past entry end") }
                reader.at += length
                set(register, .unknown)
            case 0x11: set(try reader.uleb(), .savedAt(try reader.sleb() &* data))
            case 0x12:
                rule.cfaRegister = UInt16(truncatingIfNeeded: try reader.uleb())
                rule.cfaOffset = try reader.sleb() &* data
            case 0x13: rule.cfaOffset = try reader.sleb() &* data
            case 0x14:  // val_offset: a value, not a saved register
                set(try reader.uleb(), .unknown)
                _ = try reader.uleb()
            case 0x15:
                set(try reader.uleb(), .unknown)
                _ = try reader.sleb()
            case 0x2e: _ = try reader.uleb()  // GNU_args_size: no effect on the CFA
            case 0x2f: set(try reader.uleb(), .savedAt(-Int64(bitPattern: try reader.uleb()) &* data))
            default: throw UnwindStop("call-frame opcode 0x\(String(opcode, radix: 16)) not supported")
            }
        }
    }
}
