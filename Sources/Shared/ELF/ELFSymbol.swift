/// One symbol (`Elf64_Sym`) with its resolved name.
public struct ELFSymbol: Sendable, Equatable {
    /// Position in its symbol table (what relocations' symbol index refers to).
    public let index: Int
    /// The name from the table's string table ("" for section symbols and the null symbol).
    public let name: String
    /// `st_value`: an address in linked modules, an offset into its section in objects.
    public let value: UInt64
    /// `st_size`.
    public let size: UInt64
    /// `ELF64_ST_TYPE(st_info)`.
    public let type: ELFSymbolType
    /// `ELF64_ST_BIND(st_info)`.
    public let binding: ELFSymbolBinding
    /// `st_other & 3`: default, internal, hidden, protected.
    public let visibility: UInt8
    /// `st_shndx`: the section it is defined in, or one of the special indices below.
    public let sectionIndex: UInt16

    /// `SHN_UNDEF`.
    public static let undefinedSection: UInt16 = 0
    /// `SHN_ABS`.
    public static let absoluteSection: UInt16 = 0xfff1
    /// `SHN_COMMON`.
    public static let commonSection: UInt16 = 0xfff2

    /// Whether this symbol is defined in this file (not undefined, not COMMON).
    public var isDefined: Bool {
        sectionIndex != ELFSymbol.undefinedSection && sectionIndex != ELFSymbol.commonSection
    }

    /// Builds a symbol (used by readers and by tests).
    public init(
        index: Int, name: String, value: UInt64, size: UInt64, type: ELFSymbolType, binding: ELFSymbolBinding,
        visibility: UInt8 = 0, sectionIndex: UInt16
    ) {
        self.index = index
        self.name = name
        self.value = value
        self.size = size
        self.type = type
        self.binding = binding
        self.visibility = visibility
        self.sectionIndex = sectionIndex
    }
}

/// `STT_*`.
public struct ELFSymbolType: RawRepresentable, Hashable, Sendable {
    /// The raw 4-bit type.
    public let rawValue: UInt8
    /// Wraps a raw type.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `STT_NOTYPE`.
    public static let none = ELFSymbolType(rawValue: 0)
    /// `STT_OBJECT`: a variable.
    public static let object = ELFSymbolType(rawValue: 1)
    /// `STT_FUNC`.
    public static let function = ELFSymbolType(rawValue: 2)
    /// `STT_SECTION`.
    public static let section = ELFSymbolType(rawValue: 3)
    /// `STT_FILE`: the source file the following local symbols came from.
    public static let file = ELFSymbolType(rawValue: 4)
    /// `STT_COMMON`.
    public static let common = ELFSymbolType(rawValue: 5)
    /// `STT_TLS`.
    public static let tls = ELFSymbolType(rawValue: 6)
    /// `STT_GNU_IFUNC`.
    public static let gnuIndirectFunction = ELFSymbolType(rawValue: 10)
}

/// `STB_*`.
public struct ELFSymbolBinding: RawRepresentable, Hashable, Sendable {
    /// The raw 4-bit binding.
    public let rawValue: UInt8
    /// Wraps a raw binding.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `STB_LOCAL`: static.
    public static let local = ELFSymbolBinding(rawValue: 0)
    /// `STB_GLOBAL`.
    public static let global = ELFSymbolBinding(rawValue: 1)
    /// `STB_WEAK`.
    public static let weak = ELFSymbolBinding(rawValue: 2)
    /// `STB_GNU_UNIQUE`.
    public static let gnuUnique = ELFSymbolBinding(rawValue: 10)
}
