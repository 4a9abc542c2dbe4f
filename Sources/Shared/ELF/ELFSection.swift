/// One section header (`Elf64_Shdr`) with its resolved name.
public struct ELFSection: Sendable, Equatable {
    /// Position in the section header table (what symbols' `st_shndx` and `sh_link` refer to).
    public let index: Int
    /// The name from `.shstrtab`.
    public let name: String
    /// `sh_type`.
    public let type: ELFSectionType
    /// `sh_flags` (`SHF_ALLOC`, `SHF_WRITE`, `SHF_EXECINSTR`, ...).
    public let flags: ELFSectionFlags
    /// `sh_addr`: where it is loaded, as linked (0 in objects).
    public let address: UInt64
    /// `sh_offset` in the file.
    public let offset: UInt64
    /// `sh_size` (for `SHT_NOBITS`, the size in memory; nothing is in the file).
    public let size: UInt64
    /// `sh_link`: for symbol tables their string table, for relocations their symbol table.
    public let link: UInt32
    /// `sh_info`: for relocations the section they apply to; for symbol tables the first global.
    public let info: UInt32
    /// `sh_addralign` (0 or 1: no constraint).
    public let alignment: UInt64
    /// `sh_entsize` for tables.
    public let entrySize: UInt64

    /// Whether `address..<address+size` holds `address` (an allocated section's own range).
    public func contains(address candidate: UInt64) -> Bool {
        candidate >= address && candidate - address < size
    }
}

/// `sh_type` values.
public struct ELFSectionType: RawRepresentable, Hashable, Sendable {
    /// The raw `sh_type`.
    public let rawValue: UInt32
    /// Wraps a raw `sh_type`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `SHT_NULL`.
    public static let null = ELFSectionType(rawValue: 0)
    /// `SHT_PROGBITS`: code and data.
    public static let progbits = ELFSectionType(rawValue: 1)
    /// `SHT_SYMTAB`.
    public static let symtab = ELFSectionType(rawValue: 2)
    /// `SHT_STRTAB`.
    public static let strtab = ELFSectionType(rawValue: 3)
    /// `SHT_RELA`.
    public static let rela = ELFSectionType(rawValue: 4)
    /// `SHT_DYNAMIC`.
    public static let dynamic = ELFSectionType(rawValue: 6)
    /// `SHT_NOTE`.
    public static let note = ELFSectionType(rawValue: 7)
    /// `SHT_NOBITS`: zero-filled in memory, nothing in the file (`.bss`).
    public static let nobits = ELFSectionType(rawValue: 8)
    /// `SHT_REL` (not used on x86-64; refused).
    public static let rel = ELFSectionType(rawValue: 9)
    /// `SHT_DYNSYM`.
    public static let dynsym = ELFSectionType(rawValue: 11)
    /// `SHT_INIT_ARRAY`.
    public static let initArray = ELFSectionType(rawValue: 14)
    /// `SHT_FINI_ARRAY`.
    public static let finiArray = ELFSectionType(rawValue: 15)
    /// `SHT_GROUP` (COMDAT groups).
    public static let group = ELFSectionType(rawValue: 17)
    /// `SHT_X86_64_UNWIND`.
    public static let x86_64Unwind = ELFSectionType(rawValue: 0x7000_0001)
}

/// `sh_flags` bits.
public struct ELFSectionFlags: OptionSet, Hashable, Sendable {
    /// The raw `sh_flags`.
    public let rawValue: UInt64
    /// Wraps raw `sh_flags`.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// `SHF_WRITE`.
    public static let write = ELFSectionFlags(rawValue: 0x1)
    /// `SHF_ALLOC`: occupies memory at run time.
    public static let alloc = ELFSectionFlags(rawValue: 0x2)
    /// `SHF_EXECINSTR`.
    public static let execute = ELFSectionFlags(rawValue: 0x4)
    /// `SHF_MERGE`.
    public static let merge = ELFSectionFlags(rawValue: 0x10)
    /// `SHF_STRINGS`.
    public static let strings = ELFSectionFlags(rawValue: 0x20)
    /// `SHF_INFO_LINK`: `sh_info` holds a section index.
    public static let infoLink = ELFSectionFlags(rawValue: 0x40)
    /// `SHF_GROUP`: member of a COMDAT group.
    public static let group = ELFSectionFlags(rawValue: 0x200)
    /// `SHF_TLS`: thread-local storage.
    public static let tls = ELFSectionFlags(rawValue: 0x400)
}
