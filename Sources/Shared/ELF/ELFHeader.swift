/// The fields of the ELF file header hotpatch uses (`Elf64_Ehdr`).
public struct ELFHeader: Sendable, Equatable {
    /// The kind of file: relocatable object, executable, shared object.
    public enum FileType: UInt16, Sendable {
        /// `ET_REL`: a compiler's object, or a patch.
        case relocatable = 1
        /// `ET_EXEC`: a non-PIE executable, linked at fixed addresses.
        case executable = 2
        /// `ET_DYN`: a shared library or a PIE executable.
        case sharedObject = 3
        /// `ET_CORE`: a core dump.
        case core = 4
    }

    /// `e_type`.
    public let type: FileType
    /// `e_machine` (62 for x86-64; anything else is refused at parse time).
    public let machine: UInt16
    /// `e_entry`.
    public let entry: UInt64
    /// `e_phoff`, `e_phentsize`, `e_phnum`.
    public let programHeaderOffset: UInt64
    let programHeaderEntrySize: UInt16
    let programHeaderCount: UInt16
    /// `e_shoff`, `e_shentsize`, `e_shnum`, `e_shstrndx` (after the extended-numbering escapes).
    public let sectionHeaderOffset: UInt64
    let sectionHeaderEntrySize: UInt16
    let sectionHeaderCount: Int
    let sectionNameTableIndex: Int

    /// The size of `Elf64_Ehdr`.
    static let size: UInt64 = 64
    /// x86-64's `e_machine`.
    public static let machineX86_64: UInt16 = 62

    /// Parses and checks the header: magic, class, byte order, version, machine.
    init(_ reader: ByteReader) throws {
        guard reader.bytes.count >= 4, reader.bytes[0..<4].elementsEqual([0x7f, 0x45, 0x4c, 0x46]) else {
            throw ELFError.notELF
        }
        _ = try reader.range(offset: 0, size: ELFHeader.size, what: "ELF header")
        guard reader.u8(4) == 2 else {
            throw ELFError.unsupportedFormat("ELFCLASS \(reader.u8(4)) (not 64-bit)")
        }
        guard reader.u8(5) == 1 else {
            throw ELFError.unsupportedFormat("byte order \(reader.u8(5)) (not little-endian)")
        }
        guard reader.u8(6) == 1 else { throw ELFError.unsupportedFormat("EI_VERSION \(reader.u8(6))") }
        machine = reader.u16(18)
        guard machine == ELFHeader.machineX86_64 else { throw ELFError.wrongMachine(machine) }
        guard let type = FileType(rawValue: reader.u16(16)) else {
            throw ELFError.unsupportedFormat("e_type \(reader.u16(16))")
        }
        self.type = type
        entry = reader.u64(24)
        programHeaderOffset = reader.u64(32)
        sectionHeaderOffset = reader.u64(40)
        programHeaderEntrySize = reader.u16(54)
        programHeaderCount = reader.u16(56)
        sectionHeaderEntrySize = reader.u16(58)
        var count = Int(reader.u16(60))
        var nameIndex = Int(reader.u16(62))
        // Extended numbering: with 0 / SHN_XINDEX the real values live in section header 0.
        if sectionHeaderOffset != 0 && (count == 0 || nameIndex == 0xffff) {
            let first = try reader.range(offset: sectionHeaderOffset, size: 64, what: "section header 0")
            if count == 0 {
                // A count the file cannot hold is hostile; refusing it here also keeps the
                // table's size (count * 64) from overflowing. Found by Fuzz/PatchFuzz.
                let extended = reader.u64(first.lowerBound + 32)
                guard extended <= UInt64(reader.bytes.count) / 64 else {
                    throw ELFError.malformed(
                        "section header 0 claims \(extended) sections; a \(reader.bytes.count)-byte file cannot hold them"
                    )
                }
                count = Int(extended)
            }
            if nameIndex == 0xffff { nameIndex = Int(reader.u32(first.lowerBound + 24)) }
        }
        sectionHeaderCount = sectionHeaderOffset == 0 ? 0 : count
        sectionNameTableIndex = nameIndex
    }
}
