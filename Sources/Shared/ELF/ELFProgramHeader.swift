/// One program header (`Elf64_Phdr`): a segment the loader maps.
public struct ELFProgramHeader: Sendable, Equatable {
    /// `p_type` (`PT_LOAD` = 1, `PT_DYNAMIC` = 2, `PT_NOTE` = 4, `PT_TLS` = 7, ...).
    public let type: UInt32
    /// `p_flags` (`PF_X` = 1, `PF_W` = 2, `PF_R` = 4).
    public let flags: UInt32
    /// `p_offset`.
    public let offset: UInt64
    /// `p_vaddr`.
    public let virtualAddress: UInt64
    /// `p_filesz`.
    public let fileSize: UInt64
    /// `p_memsz`.
    public let memorySize: UInt64
    /// `p_align`.
    public let alignment: UInt64

    /// `PT_LOAD`.
    public static let load: UInt32 = 1
    /// `PT_DYNAMIC`.
    public static let dynamic: UInt32 = 2
    /// `PT_NOTE`.
    public static let note: UInt32 = 4
    /// `PT_TLS`.
    public static let tls: UInt32 = 7
}
