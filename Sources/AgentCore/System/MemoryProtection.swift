#if canImport(Glibc)
    import Glibc
#endif

/// Page protections of a mapping the agent makes in a target (`PROT_*` of an injected `mmap` or
/// `mprotect`).
struct MemoryProtection: OptionSet {
    let rawValue: UInt64

    /// `PROT_READ`.
    static let read = MemoryProtection(rawValue: UInt64(PROT_READ))
    /// `PROT_WRITE`.
    static let write = MemoryProtection(rawValue: UInt64(PROT_WRITE))
    /// `PROT_EXEC`.
    static let execute = MemoryProtection(rawValue: UInt64(PROT_EXEC))
}

/// The flags of a mapping the agent makes in a target (`MAP_*` of an injected `mmap`).
struct MappingFlags: OptionSet {
    let rawValue: UInt64

    /// `MAP_PRIVATE`.
    static let `private` = MappingFlags(rawValue: UInt64(MAP_PRIVATE))
    /// `MAP_ANONYMOUS`.
    static let anonymous = MappingFlags(rawValue: UInt64(MAP_ANONYMOUS))
    /// `MAP_FIXED_NOREPLACE` (Linux 4.17; an older kernel takes the address as a hint). Spelled
    /// out: older C headers do not define it.
    static let fixedNoReplace = MappingFlags(rawValue: 0x100000)
}
