/// A section the patch carries into the process: code, read-only data or a new variable.
public struct PatchSection: Sendable, Equatable {
    /// Index in the patch's ELF section table (what symbols' `sectionIndex` refers to).
    public let index: Int
    /// Name, e.g. `.text.is_even`, `.rodata.str1.1`, `.bss.calls`.
    public let name: String
    /// `sh_flags`: `.execute` for code, `.write` for variables (map them writable).
    public let flags: ELFSectionFlags
    /// Required alignment of the section's address in the process (at least 1).
    public let alignment: UInt64
    /// Size in memory.
    public let size: UInt64
    /// The contents; empty for zero-filled sections (`.bss`), whose memory must be zeroed.
    public let bytes: [UInt8]
    /// Whether the section is zero-filled (`SHT_NOBITS`) rather than carried bytes.
    public let isZeroFill: Bool
    /// The relocations to apply to this section, offsets relative to its start; their
    /// `symbolIndex` refers to ``PatchFile/symbols``.
    public let relocations: [ELFRelocation]

    /// Describes a section (``PatchFile`` builds these; tests of the agent build their own).
    public init(
        index: Int, name: String, flags: ELFSectionFlags, alignment: UInt64, size: UInt64, bytes: [UInt8],
        isZeroFill: Bool, relocations: [ELFRelocation]
    ) {
        self.index = index
        self.name = name
        self.flags = flags
        self.alignment = alignment
        self.size = size
        self.bytes = bytes
        self.isZeroFill = isZeroFill
        self.relocations = relocations
    }
}
