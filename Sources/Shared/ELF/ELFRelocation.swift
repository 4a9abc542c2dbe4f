/// One relocation (`Elf64_Rela`): patch the place at `offset` with a value computed from the
/// symbol, the addend and the place's own address.
public struct ELFRelocation: Sendable, Equatable {
    /// `r_offset`: in objects, the offset inside the section the relocations apply to.
    public let offset: UInt64
    /// `ELF64_R_TYPE(r_info)`.
    public let type: ELFRelocationType
    /// `ELF64_R_SYM(r_info)`: index into the linked symbol table.
    public let symbolIndex: Int
    /// `r_addend`.
    public let addend: Int64

    /// Builds a relocation (used by readers, writers and tests).
    public init(offset: UInt64, type: ELFRelocationType, symbolIndex: Int, addend: Int64) {
        self.offset = offset
        self.type = type
        self.symbolIndex = symbolIndex
        self.addend = addend
    }
}

/// `R_X86_64_*`.
public struct ELFRelocationType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw type.
    public let rawValue: UInt32
    /// Wraps a raw type.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `R_X86_64_NONE`.
    public static let none = ELFRelocationType(rawValue: 0)
    /// `R_X86_64_64`: S + A, 8 bytes.
    public static let abs64 = ELFRelocationType(rawValue: 1)
    /// `R_X86_64_PC32`: S + A - P, 4 bytes.
    public static let pc32 = ELFRelocationType(rawValue: 2)
    /// `R_X86_64_GOT32`.
    public static let got32 = ELFRelocationType(rawValue: 3)
    /// `R_X86_64_PLT32`: L + A - P, 4 bytes.
    public static let plt32 = ELFRelocationType(rawValue: 4)
    /// `R_X86_64_GOTPCREL`: G + GOT + A - P.
    public static let gotpcrel = ELFRelocationType(rawValue: 9)
    /// `R_X86_64_32`: S + A, zero-extended 4 bytes.
    public static let abs32 = ELFRelocationType(rawValue: 10)
    /// `R_X86_64_32S`: S + A, sign-extended 4 bytes.
    public static let abs32s = ELFRelocationType(rawValue: 11)
    /// `R_X86_64_16`.
    public static let abs16 = ELFRelocationType(rawValue: 12)
    /// `R_X86_64_PC16`.
    public static let pc16 = ELFRelocationType(rawValue: 13)
    /// `R_X86_64_8`.
    public static let abs8 = ELFRelocationType(rawValue: 14)
    /// `R_X86_64_PC8`.
    public static let pc8 = ELFRelocationType(rawValue: 15)
    /// `R_X86_64_TLSGD`.
    public static let tlsgd = ELFRelocationType(rawValue: 19)
    /// `R_X86_64_TLSLD`.
    public static let tlsld = ELFRelocationType(rawValue: 20)
    /// `R_X86_64_DTPOFF32`.
    public static let dtpoff32 = ELFRelocationType(rawValue: 21)
    /// `R_X86_64_GOTTPOFF`.
    public static let gottpoff = ELFRelocationType(rawValue: 22)
    /// `R_X86_64_TPOFF32`.
    public static let tpoff32 = ELFRelocationType(rawValue: 23)
    /// `R_X86_64_PC64`: S + A - P, 8 bytes.
    public static let pc64 = ELFRelocationType(rawValue: 24)
    /// `R_X86_64_GOTOFF64`.
    public static let gotoff64 = ELFRelocationType(rawValue: 25)
    /// `R_X86_64_GOTPC32`.
    public static let gotpc32 = ELFRelocationType(rawValue: 26)
    /// `R_X86_64_GOTPCRELX`: a relaxable GOT load (`call/jmp *foo@GOTPCREL(%rip)`).
    public static let gotpcrelx = ELFRelocationType(rawValue: 41)
    /// `R_X86_64_REX_GOTPCRELX`: a relaxable GOT load with a REX prefix (`mov foo@GOTPCREL(%rip), %rax`).
    public static let rexGotpcrelx = ELFRelocationType(rawValue: 42)

    /// The name `readelf` prints.
    public var description: String {
        switch rawValue {
        case 0: return "R_X86_64_NONE"
        case 1: return "R_X86_64_64"
        case 2: return "R_X86_64_PC32"
        case 3: return "R_X86_64_GOT32"
        case 4: return "R_X86_64_PLT32"
        case 9: return "R_X86_64_GOTPCREL"
        case 10: return "R_X86_64_32"
        case 11: return "R_X86_64_32S"
        case 12: return "R_X86_64_16"
        case 13: return "R_X86_64_PC16"
        case 14: return "R_X86_64_8"
        case 15: return "R_X86_64_PC8"
        case 19: return "R_X86_64_TLSGD"
        case 20: return "R_X86_64_TLSLD"
        case 21: return "R_X86_64_DTPOFF32"
        case 22: return "R_X86_64_GOTTPOFF"
        case 23: return "R_X86_64_TPOFF32"
        case 24: return "R_X86_64_PC64"
        case 25: return "R_X86_64_GOTOFF64"
        case 26: return "R_X86_64_GOTPC32"
        case 41: return "R_X86_64_GOTPCRELX"
        case 42: return "R_X86_64_REX_GOTPCRELX"
        default: return "R_X86_64_<\(rawValue)>"
        }
    }

    /// How many bytes the relocation writes at its place.
    public var width: UInt64 {
        switch self {
        case .none: return 0
        case .abs64, .pc64, .gotoff64: return 8
        case .abs16, .pc16: return 2
        case .abs8, .pc8: return 1
        default: return 4
        }
    }

    /// The relocation types the agent knows how to place (see docs/PATCH-FORMAT.md).
    public static let placeable: Set<ELFRelocationType> = [
        .abs64, .pc32, .plt32, .gotpcrel, .gotpcrelx, .rexGotpcrelx, .abs32s, .pc64, .none,
        .gottpoff,  // bound by create to the target's own TPOFF64 slot, placed PC-relative to it
        .tlsgd, .tlsld,  // bound by create to a shared-library target's own TLS GOT pair, likewise
    ]
}
